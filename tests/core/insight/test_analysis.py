"""The confusion matrix and its cells, against what is computed by hand from the predictions."""
import numpy as np
import torch

from convscope.core.insight.analysis import analyse, confusion_matrix, eval_split
from convscope.core.setup.config import make_config
from convscope.core.training.engine import Trainer


def test_confusion_matrix_counts_pairs():
    m = confusion_matrix(np.array([0, 0, 1, 2, 2, 2]), np.array([0, 1, 1, 2, 0, 2]), 3)
    assert m.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]


def test_a_tiny_runs_matrix_equals_the_hand_computed_one(tmp_path):
    cfg = make_config("lenet", "mnist-sample", epochs=1, subset=128, device="cpu", seed=0)
    trainer = Trainer(cfg, run_dir=tmp_path / "run")
    assert trainer.run().status == "completed"
    split = eval_split(cfg)
    a = analyse(trainer.model, cfg, split)
    # By hand: the model's own forward on the normalised test images, one at a time.
    from convscope.core.insight.inference import run_preprocess

    pre = run_preprocess(cfg)
    with torch.no_grad():
        trainer.model.eval()
        logits = torch.cat([trainer.model(pre(torch.from_numpy(split.images[i:i + 1])))
                            for i in range(len(split.labels))])
    pred = logits.argmax(1).numpy()
    hand = np.zeros((10, 10), dtype=np.int64)
    for t, p in zip(split.labels, pred):
        hand[t, p] += 1
    assert (a.matrix == hand).all() and a.matrix.sum() == len(split.labels) == 500
    assert np.isclose(a.accuracy, (pred == split.labels).mean())
    assert np.allclose(a.per_class_accuracy, np.diag(hand) / hand.sum(1))
    # A cell holds exactly that pair's images, most confident first.
    t, p = np.unravel_index(np.argmax(hand - np.diag(np.diag(hand))), hand.shape)
    cell = a.cell(int(t), int(p))
    assert sorted(cell.tolist()) == np.flatnonzero((split.labels == t) & (pred == p)).tolist()
    probs = torch.softmax(logits, 1).max(1).values.numpy()[cell]
    assert (np.diff(probs) <= 1e-6).all() and a.top.shape == (500, 3)
