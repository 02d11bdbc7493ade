"""Layer health against values computed by hand on a tiny model, and the monitor inside a real run."""
import numpy as np
import pytest
import torch
from torch import nn

from convscope.core.insight.health import HealthMonitor, LayerHealth


def tiny():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 3, 3), nn.ReLU(), nn.Flatten(), nn.Linear(3 * 4 * 4, 2), nn.Sigmoid())
    with torch.no_grad():
        model[0].bias.copy_(torch.tensor([0.0, -100.0, 0.0]))  # channel 1 never fires: a dead ReLU
    return model


def test_values_equal_the_hand_computed_ones():
    model = tiny()
    health = LayerHealth(model)
    assert [n for n, _ in health.layers] == ["0", "1", "3", "4"]
    x = torch.randn(5, 1, 6, 6)
    y = torch.tensor([0, 1, 0, 1, 1])
    loss = nn.functional.cross_entropy(model(x), y)
    loss.backward()
    w0 = [p.detach().clone() for p in model.parameters()]
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.01 * p.grad)  # a step
    m = health.measure(x)
    # Gradient norms: of each layer's weight and bias together.
    conv, lin = model[0], model[3]
    def norm(layer) -> float:
        return torch.sqrt(layer.weight.grad.pow(2).sum() + layer.bias.grad.pow(2).sum()).item()

    assert m["grad_norm"][0] == pytest.approx(norm(conv), rel=1e-5)
    assert m["grad_norm"][2] == pytest.approx(norm(lin), rel=1e-5)
    assert np.isnan(m["grad_norm"][1]) and np.isnan(m["weight_change"][1])  # a ReLU has no parameters
    # Weight change since the weights the monitor started from.
    cw, cb = w0[0], w0[1]
    expected = torch.sqrt((conv.weight - cw).pow(2).sum() + (conv.bias - cb).pow(2).sum()) / torch.sqrt(
        cw.pow(2).sum() + cb.pow(2).sum())
    assert m["weight_change"][0] == pytest.approx(expected.item(), rel=1e-4)
    # Activations of the ReLU: its mean and std, and a third of its channels dead.
    with torch.no_grad():
        relu_out = model[1](model[0](x))
    assert m["act_mean"][1] == pytest.approx(relu_out.mean().item(), rel=1e-5)
    assert m["act_std"][1] == pytest.approx(relu_out.std(unbiased=False).item(), rel=1e-5)
    alive = (relu_out != 0).transpose(0, 1).reshape(3, -1).any(1).float().mean().item()
    assert m["dead"][1] == pytest.approx(1 - alive) and m["dead"][1] >= 1 / 3 - 1e-6
    assert np.isnan(m["dead"][0]) and np.isnan(m["dead"][3])  # only ReLUs die
    assert model.training  # the measurement's eval mode was undone


def test_inception_branch_shares_sum_to_one():
    from convscope.core.models.googlenet import InceptionA

    block = InceptionA(4)
    health = LayerHealth(nn.Sequential(block))
    x = torch.randn(2, 4, 8, 8)
    shares = health.measure(x)["branches"]["0"]
    out = block(x).detach()
    parts = torch.split(out, [c for _, c in block.branches], dim=1)
    norms = torch.stack([p.norm() for p in parts])
    assert shares.shape == (4,) and shares.sum() == pytest.approx(1.0, abs=1e-5)
    np.testing.assert_allclose(shares, (norms / norms.sum()).numpy(), rtol=1e-5)


def test_the_monitor_follows_a_real_run_without_changing_it(tmp_path):
    from convscope.core.setup.config import make_config
    from convscope.core.training.engine import Trainer

    cfg = make_config("lenet", "mnist-sample", epochs=1, subset=256, device="cpu", seed=0, activation="sigmoid")
    plain = Trainer(cfg).run()
    watched = Trainer(cfg)
    monitor = HealthMonitor(interval=0.0, max_overhead=1.0).attach(watched)
    result = watched.run()
    assert result.status == "completed" and monitor.measurements == watched.global_step
    # Measuring changes nothing of the training: the same losses as the run without it.
    assert result.train_loss == pytest.approx(plain.train_loss, rel=1e-6)
    assert result.test_acc == plain.test_acc
    snaps = monitor.history()
    assert len(snaps) == monitor.measurements and snaps[-1].layers[0] == "conv1"
    last = snaps[-1]
    assert last.grad_norm.shape == (len(last.layers),) and np.isfinite(last.grad_norm[0])
    assert last.weight_change[0] > snaps[0].weight_change[0]  # the first layer moved since the start
    assert monitor.take() is last and monitor.take() is None
