"""What each setting of the panel means, for a student: the tooltips of its fields (by object name).

Each says what the setting does and what happens when it is too large or too small. The panel shows the
same text on the field's label, so hovering either explains it. They are shown as rich text, which Qt
wraps into a paragraph (a plain-text tooltip is one line across the screen).
"""
from __future__ import annotations

import html

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication
from PySide6.QtWidgets import QFormLayout, QWidget

TIPS: dict[str, str] = {
    "presetCombo": QT_TRANSLATE_NOOP(
        "Tooltips", "Experiments from the course notes, loaded in one click: a network, a dataset and settings "
                    "known to work (or, for a lesson, known to fail). Change any setting afterwards."),
    "archCombo": QT_TRANSLATE_NOOP(
        "Tooltips", "The network to train, grouped by family from LeNet (1998) to ResNet (2015). Later networks "
                    "are deeper and usually more accurate, but much slower to train on a CPU. Hover an entry for "
                    "its description."),
    "formCombo": QT_TRANSLATE_NOOP(
        "Tooltips", "Input size: the size the images are given to the network. Native keeps the dataset's own 28 "
                    "or 32 px (fast). d2l resizes them as the book does (224 or 96 px) so the big networks fit: "
                    "more computation per image, much slower on a CPU."),
    "widthSpin": QT_TRANSLATE_NOOP(
        "Tooltips", "Width: multiplies the number of channels of every layer. Smaller (0.5) trains about 3× "
                    "faster but can learn less; larger can learn more detail but is slower and overfits more "
                    "easily on little data."),
    "batchnormCombo": QT_TRANSLATE_NOOP(
        "Tooltips", "BatchNorm normalises each layer's outputs over the batch, which lets deep networks train "
                    "faster and with larger learning rates. Without it a deep network may learn slowly or not at "
                    "all."),
    "dropoutSpin": QT_TRANSLATE_NOOP(
        "Tooltips", "Dropout: the fraction of units switched off at random at every training step, so the network"
                    " cannot rely on any single one. It fights overfitting; too much (above about 0.5) and the "
                    "network learns slowly or underfits."),
    "shortcutCombo": QT_TRANSLATE_NOOP(
        "Tooltips", "Skip connections (ResNet): each block adds its input to its output, so the signal and the "
                    "gradient pass through deep stacks. Off gives the plain stack of layers, which trains worse "
                    "as it gets deeper."),
    "factorizeCombo": QT_TRANSLATE_NOOP(
        "Tooltips", "1×n + n×1 convolutions (Inception v3): every n×n convolution inside the Inception blocks "
                    "becomes a 1×n convolution followed by an n×1 one. Each unit still sees n×n pixels of its "
                    "input (the same receptive field), with fewer weights: the 5×5 branch's 16·24·25 = 9,600 "
                    "become 16·24·5 + 24·24·5 = 4,800."),
    "activationCombo": QT_TRANSLATE_NOOP(
        "Tooltips", "Activation: the non-linearity after each layer. ReLU (max(0, x)) trains fast; the sigmoid of"
                    " the 1998 LeNet saturates, so its gradients get small and it learns more slowly, especially "
                    "in deep networks."),
    "datasetCombo": QT_TRANSLATE_NOOP(
        "Tooltips", "The images to learn from. The offline samples are small and need no download; the full "
                    "datasets (MNIST, Fashion-MNIST, CIFAR-10) are downloaded once. Or train on your own images "
                    "(a folder with one sub-folder per class)."),
    "dataRootEdit": QT_TRANSLATE_NOOP(
        "Tooltips", "Data folder: where the dataset's files are, in torchvision's layout (e.g. DIR/MNIST/raw/…), "
                    "or your own images as DIR/<class>/<image>. Leave it empty for the default folder; the "
                    "offline samples need none."),
    "subsetSpin": QT_TRANSLATE_NOOP(
        "Tooltips", "Train on a random subset of this many training images (the same ones for the same seed). "
                    "Fewer images make shorter epochs for quick experiments, but the network sees less and "
                    "overfits sooner; 0 uses them all."),
    "epochsSpin": QT_TRANSLATE_NOOP(
        "Tooltips", "Epochs: how many times the network sees every training image. Too few and it has not "
                    "finished learning (underfitting); too many and the test accuracy stops improving or falls "
                    "while the training loss keeps going down (overfitting)."),
    "batchSizeSpin": QT_TRANSLATE_NOOP(
        "Tooltips", "Batch size: how many images are averaged for each step. Larger batches give smoother steps "
                    "and use the hardware better but make fewer steps per epoch (they may need a larger learning "
                    "rate); smaller ones are noisier and slower. The arrows double and halve it."),
    "optimizerCombo": QT_TRANSLATE_NOOP(
        "Tooltips", "How the weights follow the gradient. SGD takes a step against the gradient (with momentum it"
                    " keeps some of the last step's direction). Adam adapts the step size per weight and works "
                    "with little tuning; AdamW is Adam with weight decay done properly."),
    "lrSpin": QT_TRANSLATE_NOOP(
        "Tooltips", "Learning rate: how big a step the optimizer takes at each batch. Too large and the loss "
                    "jumps up, becomes NaN or gets stuck at chance; too small and the network learns very slowly."
                    " Typical: 0.1–0.01 for SGD, 0.001 for Adam. Type 0.001 or 1e-3; the arrows step 1 → 2 → "
                    "5 → 10."),
    "momentumSpin": QT_TRANSLATE_NOOP(
        "Tooltips", "Momentum (SGD): how much of the previous step is kept in the next one, like a ball rolling "
                    "downhill. 0.9 is the usual choice and speeds learning up; 0 is plain SGD as in the book; "
                    "close to 1 the steps overshoot and oscillate."),
    "weightDecaySpin": QT_TRANSLATE_NOOP(
        "Tooltips", "Weight decay: a penalty that pulls every weight towards zero at each step, so the network "
                    "prefers simple solutions and overfits less. Typical 1e-4 to 5e-4; too large and it cannot "
                    "fit the data at all; 0 turns it off."),
    "scheduleCombo": QT_TRANSLATE_NOOP(
        "Tooltips", "Learning-rate schedule: how the learning rate changes during the run (drawn on the loss "
                    "plot). Lowering it late in training lets the network settle into a good minimum; constant "
                    "keeps the same step size all along."),
    "seedSpin": QT_TRANSLATE_NOOP(
        "Tooltips", "Seed: the starting point of the random numbers (initial weights, batch order, subset, "
                    "augmentation). The same seed with the same settings gives the same run; change it to see how"
                    " much the result varies by chance."),
    "deviceCombo": QT_TRANSLATE_NOOP(
        "Tooltips", "Device: where the network trains. A GPU (CUDA) is often 10–50× faster than the CPU for the "
                    "bigger networks; auto uses the GPU when there is one. The CPU is fine for LeNet and the "
                    "offline samples."),
    "saveRunCheck": QT_TRANSLATE_NOOP(
        "Tooltips", "Save the run: keep its settings, metrics and weights after every epoch in a folder of its "
                    "own (see Help → ConvScope guide for where), to open it later with File → Open run or "
                    "continue it."),
}


def tip(name: str, *notes: str) -> str:
    """The tooltip of field ``name`` as a rich-text paragraph, after ``notes`` (each a paragraph)."""
    texts = (*notes, QCoreApplication.translate("Tooltips", TIPS[name]))
    return "".join(f"<p>{html.escape(text)}</p>" for text in texts)


def apply_tips(panel: QWidget) -> None:
    """Give every field of ``panel`` named in :data:`TIPS` its tooltip, and its form label the same."""
    for name in TIPS:
        widget = panel.findChild(QWidget, name)
        if widget is None:
            continue
        widget.setToolTip(tip(name))
        label = _form_label(widget)
        if label is not None:
            label.setToolTip(tip(name))


def unsupported_tip(name: str, network: str, option: str) -> str:
    """The tooltip of an option the network shown does not have."""
    return tip(name, QCoreApplication.translate("Tooltips", "{network} has no {option} option (greyed out).")
               .format(network=network, option=option))


def _form_label(widget: QWidget):
    parent = widget.parentWidget()
    form = parent.layout() if parent is not None else None
    if not isinstance(form, QFormLayout):
        return None
    label = form.labelForField(widget)
    if label is None:  # a field inside a row layout (the data folder and its button)
        for row in range(form.rowCount()):
            item = form.itemAt(row, QFormLayout.ItemRole.FieldRole)
            layout = item.layout() if item is not None else None
            if layout is not None and layout.indexOf(widget) >= 0:
                label = form.itemAt(row, QFormLayout.ItemRole.LabelRole)
                label = label.widget() if label is not None else None
                break
    return label
