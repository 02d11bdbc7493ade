"""The preview of the training batch: the exact tensors the network receives, beside their originals."""
import numpy as np

from convscope.core.insight.augment_preview import AugmentCapture, AugmentPreview, pairs_mosaic
from convscope.core.setup.config import make_config
from convscope.core.training.engine import Trainer


def run_with_capture(augment, **kwargs):
    cfg = make_config("lenet", "mnist-sample", subset=256, epochs=1, batch_size=64, device="cpu", augment=augment)
    trainer = Trainer(cfg, publish_interval=0)
    capture = AugmentCapture(interval=0, max_overhead=1.0, **kwargs).attach(trainer)
    taken = []
    trainer.step_hooks.append(lambda t: taken.append(capture.mailbox.take()))
    assert trainer.run().status == "completed"
    return trainer, capture, [p for p in taken if p is not None]


def test_the_preview_shows_the_batch_as_the_network_receives_it_beside_the_originals():
    trainer, capture, previews = run_with_capture("hflip=1", count=5, fixed=3)
    assert len(previews) == trainer.steps_per_epoch  # interval 0: one per batch, each taken
    p = previews[0]
    assert isinstance(p, AugmentPreview) and p.augment == "hflip=1"
    assert p.batch_original.shape == p.batch_seen.shape == (5, 28, 28, 3)
    assert p.batch_seen.dtype == np.uint8
    # De-normalised, the network's view of each image is exactly its mirror image.
    assert np.array_equal(p.batch_seen, p.batch_original[:, :, ::-1])
    assert np.array_equal(p.fixed_seen, p.fixed_original[:, :, ::-1])
    assert p.fixed_labels.tolist() == [0, 1, 2]  # the first image of each of the first classes
    labels = trainer.train.labels.numpy()
    assert set(p.batch_labels.tolist()) <= set(labels.tolist())
    # The fixed images are the same in every preview; the batch changes.
    assert all(np.array_equal(q.fixed_original, p.fixed_original) for q in previews)
    assert not np.array_equal(previews[1].batch_original, p.batch_original)


def test_no_capture_while_disabled_or_not_taken_and_training_draws_are_unchanged():
    cfg = make_config("lenet", "mnist-sample", subset=128, epochs=1, batch_size=32, device="cpu",
                      augment="crop,rotate")
    plain = Trainer(cfg, publish_interval=0).run()
    trainer = Trainer(cfg, publish_interval=0)
    capture = AugmentCapture(interval=0, max_overhead=1.0).attach(trainer)
    result = trainer.run()
    assert capture.captures == 1 and capture.mailbox.full  # never taken: captured once
    assert result.train_loss == plain.train_loss  # the preview's own generator: training is the same
    capture.mailbox.take()
    capture.enabled = False
    trainer.run(1)
    assert capture.captures == 1 and not capture.mailbox.full
    capture.detach()
    assert trainer.batch_hooks == []


def test_pairs_mosaic_puts_each_original_beside_its_view():
    a = np.zeros((5, 4, 4, 3), np.uint8)
    b = np.full((5, 4, 4, 3), 200, np.uint8)
    m = pairs_mosaic(a, b, columns=3, gap=2, pair_gap=1)
    assert m.shape == (4 * 2 + 2, 3 * 9 + 2 * 2, 3)
    assert (m[:4, :4] == 0).all() and (m[:4, 5:9] == 200).all() and (m[:4, 4] == 255).all()
