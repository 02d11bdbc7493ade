"""The texts of ``core`` that the window shows (dataset, network and preset names and descriptions,
class names, the augmentations' catalogue), marked for translation. ``core`` stays free of Qt, so its texts are listed here; the
window passes them through :func:`core_text`. ``tests/app/test_i18n.py`` checks that every such text
of core and of ``resources/presets.json`` is listed (a new one fails the test until it is added here
and translated with ``make translations``).

Core's sentences built from these texts (an augmentation's tooltip, the warning of augmentations that
break labels) are built again here from the translated parts (:func:`augment_description`,
:func:`augment_label_warning`): in English they read exactly as core's.
"""
from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

CONTEXT = "CoreTexts"

# core.data.datasets: display names and descriptions
DATASET_TEXTS = (
    QT_TRANSLATE_NOOP("CoreTexts", "MNIST sample (offline, 5,000 digits)"),
    QT_TRANSLATE_NOOP("CoreTexts", "5,000 real MNIST digits shipped with the app: trains in a minute, no download."),
    QT_TRANSLATE_NOOP("CoreTexts", "Fashion-MNIST sample (offline, 5,000 clothes)"),
    QT_TRANSLATE_NOOP("CoreTexts", "5,000 real Fashion-MNIST training images (500 per class) shipped with the app: no download."),
    QT_TRANSLATE_NOOP("CoreTexts", "CIFAR-10 sample (offline, 4,000 photos)"),
    QT_TRANSLATE_NOOP("CoreTexts", "The first 4,000 real CIFAR-10 training photos shipped with the app: no download."),
    QT_TRANSLATE_NOOP("CoreTexts", "MNIST (70,000 digits)"),
    QT_TRANSLATE_NOOP("CoreTexts", "Handwritten digits 0–9, 28×28 grey."),
    QT_TRANSLATE_NOOP("CoreTexts", "Fashion-MNIST (70,000 clothes)"),
    QT_TRANSLATE_NOOP("CoreTexts", "Clothing items, 28×28 grey: harder than digits, same format."),
    QT_TRANSLATE_NOOP("CoreTexts", "CIFAR-10 (60,000 colour images)"),
    QT_TRANSLATE_NOOP("CoreTexts", "Small colour photos of 10 classes, 32×32 RGB."),
    QT_TRANSLATE_NOOP("CoreTexts", "Folder of images…"),
    QT_TRANSLATE_NOOP("CoreTexts", "Your own images: a folder with one sub-folder per class (DIR/cats/…, DIR/dogs/…), PNG, JPEG, BMP, GIF, WebP or TIFF of any size, resized to 32×32."),
)

# core.models: display names with words in them, and descriptions
NETWORK_TEXTS = (
    QT_TRANSLATE_NOOP("CoreTexts", "Two conv + pool stages and three fully connected layers: the first CNN that read digits."),
    QT_TRANSLATE_NOOP("CoreTexts", "LeNet (CIFAR-10 notes)"),
    QT_TRANSLATE_NOOP("CoreTexts", "LeNet-sized net for 32×32 colour images: conv 16, conv 32, fc 32; ReLU only in the head."),
    QT_TRANSLATE_NOOP("CoreTexts", "Five conv and three big dense layers with ReLU and dropout: LeNet scaled up for ImageNet."),
    QT_TRANSLATE_NOOP("CoreTexts", "Five blocks of stacked 3×3 convolutions, each ending in a pool: depth from one pattern."),
    QT_TRANSLATE_NOOP("CoreTexts", "Network in Network"),
    QT_TRANSLATE_NOOP("CoreTexts", "Convolutions followed by 1×1 'per-pixel MLPs'; global average pooling, no dense layers."),
    QT_TRANSLATE_NOOP("CoreTexts", "Nine Inception blocks that run 1×1, 3×3, 5×5 and pooling branches side by side."),
    QT_TRANSLATE_NOOP("CoreTexts", "Inception net (MNIST notes)"),
    QT_TRANSLATE_NOOP("CoreTexts", "Two 5×5 convs, each followed by an Inception block (1×1, 5×5, 3×3 and pool branches)."),
    QT_TRANSLATE_NOOP("CoreTexts", "Four stages of residual blocks that add their input back: depth that still trains."),
    QT_TRANSLATE_NOOP("CoreTexts", "ResNet (CIFAR-10 notes)"),
    QT_TRANSLATE_NOOP("CoreTexts", "A 16-channel stem and three residual blocks (32, 64, 128 maps), each halving the size."),
)

# core.models: the papers behind the course notes' small forms (a paper's own title stays as published)
PAPER_TEXTS = (
    QT_TRANSLATE_NOOP("CoreTexts", "Szegedy et al., 2014; small MNIST form of the course notes"),
    QT_TRANSLATE_NOOP("CoreTexts", "LeCun et al., 1998; small CIFAR-10 form of the course notes"),
    QT_TRANSLATE_NOOP("CoreTexts", "He, Zhang, Ren & Sun, 2015; small CIFAR-10 form of the course notes"),
)

# resources/presets.json: names and descriptions
PRESET_TEXTS = (
    QT_TRANSLATE_NOOP("CoreTexts", "LeNet-5 · MNIST sample (offline)"),
    QT_TRANSLATE_NOOP("CoreTexts", "The classic first CNN on 4,500 real handwritten digits that ship with the app: no download, about a minute on a laptop CPU, ~97 % test accuracy. Start here."),
    QT_TRANSLATE_NOOP("CoreTexts", "LeNet-5 · Fashion-MNIST"),
    QT_TRANSLATE_NOOP("CoreTexts", "The same LeNet on clothes instead of digits: same 28×28 grey format, much harder classes (shirts vs T-shirts vs pullovers). Expect about 85 % on the full set. Without Fashion-MNIST on this computer it trains on the offline Fashion-MNIST sample (5,000 real images) and says so."),
    QT_TRANSLATE_NOOP("CoreTexts", "Compact NiN · Fashion-MNIST (Adam 1e-4, batch 32, 12 epochs)"),
    QT_TRANSLATE_NOOP("CoreTexts", "The course notes' Network in Network: 5×5 convs each followed by two 1×1 convs, and a global average pool instead of dense layers. As in the notes, the 28-px images are resized to 32 px (the last feature maps are 8×8). Slow on a CPU (~150 img/s: 12 epochs take over an hour) — try width 0.5 or a subset. Without Fashion-MNIST on this computer it trains on the offline Fashion-MNIST sample (5,000 real images) and says so."),
    QT_TRANSLATE_NOOP("CoreTexts", "d2l NiN · Fashion-MNIST 224 px (SGD lr 0.1, batch 128)"),
    QT_TRANSLATE_NOOP("CoreTexts", "The book's NiN (d2l 8.3) exactly as printed: images resized to 224×224, plain SGD (no momentum), lr 0.1, batch 128, 10 epochs. Very slow without a GPU — use it to see the book's setting, or shorten it with a subset. Without Fashion-MNIST on this computer it trains on the offline Fashion-MNIST sample (5,000 real images) and says so."),
    QT_TRANSLATE_NOOP("CoreTexts", "d2l NiN · batch 256 — gets stuck at chance"),
    QT_TRANSLATE_NOOP("CoreTexts", "The same run at batch 256. In the notes the loss stayed at 2.30 = ln 10 with 10 % accuracy: the network only guesses. Why it sticks: no BatchNorm and a ReLU in front of the class scores — once a step pushes a class's score map below 0 everywhere, that class scores 0 on every image and gets no gradient, so it never recovers. A larger batch does not take larger steps; whether a run sticks depends on its initialisation and first batches, so it may not stick every time. Watch for the yellow warning after an epoch; what unsticks it: a smaller learning rate, Adam, or BatchNorm. Without Fashion-MNIST on this computer it trains on the offline Fashion-MNIST sample (5,000 real images) and says so."),
    QT_TRANSLATE_NOOP("CoreTexts", "Inception net · MNIST (batch 64)"),
    QT_TRANSLATE_NOOP("CoreTexts", "Two 5×5 convs, each followed by an Inception block whose 1×1, 5×5, 3×3 and pooling branches run side by side. SGD lr 0.01 with momentum 0.5, batch 64, 10 epochs; the notes report 98.98 % test accuracy. Without the full MNIST on this computer it trains on the offline MNIST sample and says so."),
    QT_TRANSLATE_NOOP("CoreTexts", "LeNet-5 · CIFAR-10 (Adam 1e-3, batch 128)"),
    QT_TRANSLATE_NOOP("CoreTexts", "A LeNet-sized network on small colour photos (planes, cats, ships…). Much harder than digits: expect about 60 % test accuracy, and the test curve parting from the training curve (overfitting). Without CIFAR-10 on this computer it trains on the offline CIFAR-10 sample (4,000 real photos) and says so."),
    QT_TRANSLATE_NOOP("CoreTexts", "ResNet (ResBlk) · CIFAR-10 with BatchNorm"),
    QT_TRANSLATE_NOOP("CoreTexts", "Residual blocks that add their input back (the notes' ResBlk network), with BatchNorm after each conv. Run it, then the preset without BatchNorm, and compare how fast the loss falls. Falls back to the offline CIFAR-10 sample when CIFAR-10 is not here."),
    QT_TRANSLATE_NOOP("CoreTexts", "ResNet (ResBlk) · CIFAR-10 without BatchNorm"),
    QT_TRANSLATE_NOOP("CoreTexts", "The same network without BatchNorm: each layer's input drifts as the layers before it learn, so training is slower and less stable. Compare with the BatchNorm preset. Falls back to the offline CIFAR-10 sample when CIFAR-10 is not here."),
    QT_TRANSLATE_NOOP("CoreTexts", "Each step overshoots the minimum further than the last: the loss explodes within a few steps and the run stops with a red 'diverged' message. Then lower the learning rate step by step (1, 0.1, 0.01) and watch the loss curve change."),
    QT_TRANSLATE_NOOP("CoreTexts", "CIFAR-10 LeNet without augmentation (offline sample, 40 epochs)"),
    QT_TRANSLATE_NOOP("CoreTexts", "LeNet-CIFAR on the 3,604 training photos of the offline CIFAR-10 sample, Adam 1e-3, batch 128, 40 epochs, no augmentation. The network soon knows its training photos by heart: training accuracy keeps climbing while test accuracy stalls and falls back, a wide gap between the two curves. Then run the preset with augmentation and compare."),
    QT_TRANSLATE_NOOP("CoreTexts", "CIFAR-10 LeNet with augmentation (flip + pad-and-crop)"),
    QT_TRANSLATE_NOOP("CoreTexts", "The same run with the course notes' augmentation of the training batches: a random horizontal flip and a 4-pixel pad-and-crop, so the network never sees exactly the same photo twice. Training accuracy rises more slowly, test accuracy ends higher: the gap between the curves narrows. Watch the Augmentation tab for what the network receives."),
)

# core.data.augment_spec: the augmentations' names, parameters, what each does, where each is safe or breaks
# labels (per kind of dataset), the kinds of dataset, and the reasons the label warning gives
AUGMENT_TEXTS = (
    QT_TRANSLATE_NOOP("CoreTexts", "Horizontal flip"),
    QT_TRANSLATE_NOOP("CoreTexts", "Vertical flip"),
    QT_TRANSLATE_NOOP("CoreTexts", "Rotate"),
    QT_TRANSLATE_NOOP("CoreTexts", "Rotate by 90°"),
    QT_TRANSLATE_NOOP("CoreTexts", "Pad and crop"),
    QT_TRANSLATE_NOOP("CoreTexts", "Random shift"),
    QT_TRANSLATE_NOOP("CoreTexts", "probability"),
    QT_TRANSLATE_NOOP("CoreTexts", "largest angle"),
    QT_TRANSLATE_NOOP("CoreTexts", "padding"),
    QT_TRANSLATE_NOOP("CoreTexts", "largest shift"),
    QT_TRANSLATE_NOOP("CoreTexts", "mirrors an image left to right, with this probability"),
    QT_TRANSLATE_NOOP("CoreTexts", "turns an image upside down, with this probability"),
    QT_TRANSLATE_NOOP("CoreTexts", "turns each image by a random angle of up to ± this many degrees (corners filled with black)"),
    QT_TRANSLATE_NOOP("CoreTexts", "with this probability turns an image by 90°, 180° or 270° (one of the three at random)"),
    QT_TRANSLATE_NOOP("CoreTexts", "pads each image with this many black pixels on every side, then crops a random window of the original size (the course notes' crop: the image moves by up to this many pixels)"),
    QT_TRANSLATE_NOOP("CoreTexts", "moves each image by up to this many pixels in x and y, filling the edge with black (the old --shift N)"),
    QT_TRANSLATE_NOOP("CoreTexts", "breaks digits: a mirrored 2, 3, 4, 5 or 7 is no digit at all"),
    QT_TRANSLATE_NOOP("CoreTexts", "safe: a mirrored shirt, shoe or bag is still one"),
    QT_TRANSLATE_NOOP("CoreTexts", "safe, and the classic one for CIFAR-10: a mirrored cat is still a cat"),
    QT_TRANSLATE_NOOP("CoreTexts", "breaks labels: an upside-down 6 is a 9 and a 9 a 6 (and 2, 4, 7 become no digit)"),
    QT_TRANSLATE_NOOP("CoreTexts", "labels stay right (an upside-down shirt, dress, bag or pair of trousers is still one), but shoes and boots upside down never occur in the test set"),
    QT_TRANSLATE_NOOP("CoreTexts", "labels stay right, but upside-down planes, cars and ships are rare in the test set: it usually costs accuracy"),
    QT_TRANSLATE_NOOP("CoreTexts", "safe for small angles (±15°); beyond ±90° a 6 turns into a 9"),
    QT_TRANSLATE_NOOP("CoreTexts", "safe for small angles"),
    QT_TRANSLATE_NOOP("CoreTexts", "safe for small angles (±15°)"),
    QT_TRANSLATE_NOOP("CoreTexts", "breaks labels: turned by 180° a 6 is a 9 and a 9 a 6; turned by 90° digits lie on their side"),
    QT_TRANSLATE_NOOP("CoreTexts", "labels stay right but the test set has no sideways or upside-down clothes"),
    QT_TRANSLATE_NOOP("CoreTexts", "labels stay right, but sideways photos do not occur in the test set"),
    QT_TRANSLATE_NOOP("CoreTexts", "safe for a few pixels (MNIST's digits sit in the middle 20 px)"),
    QT_TRANSLATE_NOOP("CoreTexts", "safe for a few pixels"),
    QT_TRANSLATE_NOOP("CoreTexts", "safe, and the classic one for CIFAR-10 (pad 4)"),
    QT_TRANSLATE_NOOP("CoreTexts", "handwritten digits (MNIST)"),
    QT_TRANSLATE_NOOP("CoreTexts", "clothes (Fashion-MNIST)"),
    QT_TRANSLATE_NOOP("CoreTexts", "photos (CIFAR-10)"),
    QT_TRANSLATE_NOOP("CoreTexts", "a mirrored 2, 3, 4, 5 or 7 is no digit at all"),
    QT_TRANSLATE_NOOP("CoreTexts", "an upside-down 6 is a 9 and a 9 a 6 (and 2, 4, 7 become no digit)"),
    QT_TRANSLATE_NOOP("CoreTexts", "rotations beyond ±90° turn a 6 into a 9"),
    QT_TRANSLATE_NOOP("CoreTexts", "turned by 180° a 6 is a 9 and a 9 a 6; turned by 90° digits lie on their side"),
)

# core.data.datasets: class names (digits need none)
CLASS_NAMES = (
    QT_TRANSLATE_NOOP("CoreTexts", "T-shirt/top"),
    QT_TRANSLATE_NOOP("CoreTexts", "Trouser"),
    QT_TRANSLATE_NOOP("CoreTexts", "Pullover"),
    QT_TRANSLATE_NOOP("CoreTexts", "Dress"),
    QT_TRANSLATE_NOOP("CoreTexts", "Coat"),
    QT_TRANSLATE_NOOP("CoreTexts", "Sandal"),
    QT_TRANSLATE_NOOP("CoreTexts", "Shirt"),
    QT_TRANSLATE_NOOP("CoreTexts", "Sneaker"),
    QT_TRANSLATE_NOOP("CoreTexts", "Bag"),
    QT_TRANSLATE_NOOP("CoreTexts", "Ankle boot"),
    QT_TRANSLATE_NOOP("CoreTexts", "airplane"),
    QT_TRANSLATE_NOOP("CoreTexts", "automobile"),
    QT_TRANSLATE_NOOP("CoreTexts", "bird"),
    QT_TRANSLATE_NOOP("CoreTexts", "cat"),
    QT_TRANSLATE_NOOP("CoreTexts", "deer"),
    QT_TRANSLATE_NOOP("CoreTexts", "dog"),
    QT_TRANSLATE_NOOP("CoreTexts", "frog"),
    QT_TRANSLATE_NOOP("CoreTexts", "horse"),
    QT_TRANSLATE_NOOP("CoreTexts", "ship"),
    QT_TRANSLATE_NOOP("CoreTexts", "truck"),
)


def core_text(text: str) -> str:
    """``text`` of core in the window's language (itself when it has no translation)."""
    return QCoreApplication.translate(CONTEXT, text) if text else text



# ------------------------------------------------------------------ core.data.augment_spec's sentences
def augment_description(name: str) -> str:
    """``core.data.augment_spec.describe(name)`` in the window's language: what the augmentation does, then
    where it is safe and where it breaks labels."""
    from convscope.core.data import augment_spec as S

    aug = S.BY_NAME[name]
    where = QCoreApplication.translate("AugmentTexts", "; ").join(
        QCoreApplication.translate("AugmentTexts", "{kind}: {text}").format(
            kind=core_text(S.KIND_NAMES[kind]), text=core_text(text)) for kind, text in aug.safety.items())
    return QCoreApplication.translate(
        "AugmentTexts", "{label} ({name}): {does}. Applied to the training batches only, never to the test "
                        "images. {where}.").format(label=core_text(aug.label), name=aug.name,
                                                   does=core_text(aug.does), where=where)


def augment_label_warning(text, info, run: bool = True) -> str:
    """``core.data.augment_spec.label_warnings(text, info, run)`` in the window's language, as a sentence ("" when
    every augmentation of ``text`` is safe on ``info``'s images)."""
    from convscope.core.data import augment_spec as S

    kind = S.dataset_kind(info)
    bad = [name for name, value in S.parse(text).items() if S.breaks_labels(name, value, kind)]
    if not bad:
        return ""
    reasons = QCoreApplication.translate("AugmentTexts", "; ").join(
        QCoreApplication.translate("AugmentTexts", "{name}: {reason}").format(
            name=name, reason=core_text(S._reason(name, kind))) for name in bad)
    message = QCoreApplication.translate(
        "AugmentTexts", "augmentation that breaks labels on {dataset}: {reasons}. The network learns from "
                        "wrong labels; leave {names} out for these images.").format(
        dataset=core_text(info.display_name), reasons=reasons,
        names=QCoreApplication.translate("AugmentTexts", " and ").join(bad))
    if run:
        message += QCoreApplication.translate("AugmentTexts", " Training goes on.")
    return message[:1].upper() + message[1:]
