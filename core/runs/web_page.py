"""A run as one web page: a self-contained HTML file that replays the run in any browser, offline.

``convscope export --format html --output NAME.html`` (and File → Export in the window) writes it. The page
(template ``resources/run_page.html``) holds everything it shows — the run's data as JSON, the pictures as
``data:`` PNGs, its script and style inline — and a Content-Security-Policy that forbids every request, so
it works from a USB stick or an e-mail attachment and tells nobody it was opened. It shows:

* the loss and accuracy curves of every epoch, with a cursor at the timeline's moment;
* a timeline slider over the run's probe snapshots (:mod:`core.runs.replay`): the probe image, the
  prediction, the feature maps and the global-average-pooling maps at each recorded step; play/pause and
  the arrow keys;
* the confusion matrix of the last evaluation (recomputed from the weights on the run's test split when
  that data is on this computer; left out with a note otherwise);
* the run's settings, and the lesson it came from when the run folder names one.

Contract for other tools: the slider is ``<input type="range" id="timeline">``, the step it shows is the
text of ``#step``, the pictures live inside ``#views``.

Size: at most :data:`MAX_SNAPSHOTS` snapshots (evenly spread, the last always kept) of at most
:data:`MAX_FEATURE_LAYERS` feature-map layers each; a 20-epoch LeNet run gives a page of about 1–2 MB.
"""
from __future__ import annotations

import base64
import html
import io
import json
import math
from pathlib import Path

import numpy as np

from convscope.core.base.resources import resource_path

MAX_SNAPSHOTS = 80
MAX_FEATURE_LAYERS = 4
TEMPLATE = "run_page.html"

TEXTS = {
    "en": {
        "curves": "Loss and accuracy", "loss": "loss", "accuracy": "accuracy", "train": "train", "test": "test",
        "epoch": "epoch", "step": "step", "play": "▶ Play", "pause": "⏸ Pause", "probe": "Probe image",
        "truth": "true class", "prediction": "Prediction", "feature_maps": "Feature maps",
        "gap": "Global average pooling", "confusion": "Confusion matrix (last evaluation)",
        "true_pred": "true ↓ / predicted →", "settings": "Settings",
        "no_confusion": "No confusion matrix: the run's test images are not on the computer that made this page.",
        "no_epochs": "No epoch finished in this run.", "no_snapshots": "no snapshots",
        "no_epoch_yet": "No epoch finished yet at this moment.",
        "no_snapshots_long": "This run recorded no probe snapshots (it was trained without a run folder, or "
                             "by an older version), so there is nothing to replay.",
        "made_by": "Made by ConvScope: one file, nothing loaded from the internet.",
        "subtitle": "{dataset} · {epochs} epoch(s) · {status} · best test accuracy {best}",
        "status": {"completed": "completed", "stopped": "stopped", "diverged": "diverged", "failed": "failed",
                   "running": "interrupted", "unknown": "unknown"},
    },
    "zh": {
        "curves": "损失和准确率", "loss": "损失", "accuracy": "准确率", "train": "训练", "test": "测试",
        "epoch": "轮", "step": "步", "play": "▶ 播放", "pause": "⏸ 暂停", "probe": "探针图像",
        "truth": "真实类别", "prediction": "预测", "feature_maps": "特征图",
        "gap": "全局平均汇聚", "confusion": "混淆矩阵（最后一次评估）",
        "true_pred": "真实 ↓ / 预测 →", "settings": "设置",
        "no_confusion": "没有混淆矩阵：生成此页面的计算机上没有这次训练的测试图像。",
        "no_epochs": "这次训练没有完成任何一轮。", "no_snapshots": "没有快照",
        "no_epoch_yet": "此刻还没有完成任何一轮。",
        "no_snapshots_long": "这次训练没有记录探针快照（训练时没有训练结果文件夹，或由旧版本训练），"
                             "所以没有可重放的内容。",
        "made_by": "由 ConvScope 生成：一个文件，不从互联网加载任何内容。",
        "subtitle": "{dataset} · {epochs} 轮 · {status} · 最佳测试准确率 {best}",
        "status": {"completed": "已完成", "stopped": "已停止", "diverged": "已发散", "failed": "失败",
                   "running": "被中断", "unknown": "未知"},
    },
}

# The settings shown, in this order, with their labels.
SETTINGS = (("arch", "architecture", "架构"), ("dataset", "dataset", "数据集"), ("epochs", "epochs", "轮数"),
            ("batch_size", "batch size", "批量大小"), ("optimizer", "optimizer", "优化器"),
            ("lr", "learning rate", "学习率"), ("momentum", "momentum", "动量"),
            ("weight_decay", "weight decay", "权重衰减"), ("schedule", "schedule", "学习率调度"),
            ("form", "input size", "输入尺寸"), ("image_size", "image size", "图像尺寸"),
            ("width", "width", "宽度"), ("batchnorm", "BatchNorm", "批量规范化"),
            ("shortcut", "shortcuts", "残差连接"), ("factorize", "1×n + n×1 convolutions", "1×n + n×1 卷积"),
            ("activation", "activation", "激活函数"),
            ("dropout", "dropout", "暂退法"), ("augment", "augmentation", "图像增广"),
            ("subset", "training images", "训练图像数"), ("seed", "seed", "随机种子"))

_VIRIDIS = np.array([[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]], dtype=np.float32)


def _lut() -> np.ndarray:
    """256 colours: 0 (the gaps between tiles) white, 1…255 a viridis-like ramp."""
    x = np.linspace(0, len(_VIRIDIS) - 1, 255)
    low = np.floor(x).astype(int).clip(0, len(_VIRIDIS) - 2)
    t = (x - low)[:, None]
    ramp = _VIRIDIS[low] * (1 - t) + _VIRIDIS[low + 1] * t
    return np.vstack([[255, 255, 255], ramp]).astype(np.uint8)


LUT = _lut()


def png_data_uri(image: np.ndarray) -> str:
    """A uint8 image (H, W) or (H, W, 3) as a ``data:image/png;base64,…`` URI."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(image)).save(buf, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _scaled(a: np.ndarray, low: float, high: float) -> np.ndarray:
    span = high - low if high > low else 1.0
    return (np.clip((a - low) / span, 0, 1) * 254 + 1).astype(np.uint8)


def _pick(n: int, limit: int = MAX_SNAPSHOTS) -> list[int]:
    """At most ``limit`` indices of ``range(n)``, evenly spread, the first and the last kept."""
    if n <= limit:
        return list(range(n))
    return sorted({round(i * (n - 1) / (limit - 1)) for i in range(limit)})


def _snapshot(snap, steps_per_epoch: float | None) -> dict:
    features = []
    for name, f in list(snap.features.items())[:MAX_FEATURE_LAYERS]:
        h, w = f.mosaic.shape
        zoom = max(1, min(4, 240 // max(h, w, 1)))
        features.append({"module": name, "png": png_data_uri(LUT[f.mosaic]), "width": w * zoom, "height": h * zoom,
                         "shape": f"{f.shape[0]}×{f.shape[1]}×{f.shape[2]}"})
    gap = []
    for name, g in snap.gap.items():
        maps = np.asarray(g.class_maps, dtype=np.float32)
        low, high = float(np.nanmin(maps)) if maps.size else 0.0, float(np.nanmax(maps)) if maps.size else 1.0
        gap.append({"module": name, "maps": [png_data_uri(LUT[_scaled(m, low, high)]) for m in maps],
                    "scores": [round(float(v), 3) for v in g.scores]})
    fraction = None
    if steps_per_epoch:
        done = snap.step - (snap.epoch - 1) * steps_per_epoch
        fraction = max(0.0, min(1.0, done / steps_per_epoch))
    return {"step": int(snap.step), "epoch": int(snap.epoch), "fraction": fraction,
            "label": None if snap.label is None else int(snap.label), "source": str(snap.source),
            "probs": [round(float(p), 4) for p in snap.probs], "image": png_data_uri(snap.image),
            "features": features, "gap": gap}


def _confusion(run, lang: str) -> tuple[dict | None, str | None]:
    """The confusion matrix of the run's last evaluation (recorded in its folder; for a run that recorded
    none, its weights evaluated on its test split now), or None and why not."""
    from convscope.core.data.datasets import DataError
    from convscope.core.insight.analysis import analyse_network

    recorded = getattr(run, "confusions", None)
    if recorded:
        last = recorded[-1]
        counts = last["counts"]
        total, right = sum(map(sum, counts)), sum(counts[i][i] for i in range(len(counts)))
        acc = 100 * right / total if total else float("nan")
        note = (f"after epoch {last['epoch']}: {total:,} test images, accuracy {acc:.1f} %" if lang == "en"
                else f"第 {last['epoch']} 轮之后：{total:,} 张测试图像，准确率 {acc:.1f}%")
        return {"classes": list(run.config.info.classes), "matrix": counts, "note": note}, None
    try:
        analysis = analyse_network(run.model, run.config)
    except (DataError, OSError, ValueError) as exc:
        return None, str(exc)
    note = (f"{len(analysis.true):,} test images, accuracy {100 * analysis.accuracy:.1f} %" if lang == "en"
            else f"{len(analysis.true):,} 张测试图像，准确率 {100 * analysis.accuracy:.1f}%")
    return {"classes": list(run.config.info.classes), "matrix": analysis.matrix.tolist(), "note": note}, None


def _value(v) -> str:
    if isinstance(v, bool):
        return "✓" if v else "✗"
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def _finite(v):
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) else None


def page_data(run_dir: str | Path, lang: str = "en") -> tuple[dict, list[str]]:
    """What the page shows, as plain data (JSON-ready), and notes on what was left out."""
    from convscope.core.runs.checkpoints import load_run
    from convscope.core.runs.replay import read_snapshots

    lang = lang if lang in TEXTS else "en"
    texts = TEXTS[lang]
    run = load_run(run_dir, device="cpu")
    cfg = run.config
    notes: list[str] = []
    metrics = [{k: _finite(r.get(k)) for k in ("train_loss", "train_acc", "test_loss", "test_acc")}
               | {"epoch": int(r.get("epoch", i + 1)) if isinstance(r.get("epoch"), int) else i + 1}
               for i, r in enumerate(run.metrics)]
    snaps = read_snapshots(run.dir)
    chosen = [snaps[i] for i in _pick(len(snaps))]
    if len(chosen) < len(snaps):
        notes.append(f"{len(chosen)} of the run's {len(snaps)} snapshots are in the page (evenly spread).")
    # Steps per epoch, from the snapshots themselves (the last one is taken at the end of its epoch).
    steps = snaps[-1].step / snaps[-1].epoch if snaps and snaps[-1].epoch > 0 and snaps[-1].step > 0 else None
    confusion, why = _confusion(run, lang)
    if confusion is None:
        notes.append(f"the confusion matrix is left out: {why}")
    status = run.status.get("status", "unknown") if isinstance(run.status, dict) else "unknown"
    accs = [m["test_acc"] for m in metrics if m["test_acc"] is not None]
    best = f"{100 * max(accs):.1f} %" if accs else "–"
    config = cfg.to_dict()
    settings = [(zh if lang == "zh" else en, _value(config[key])) for key, en, zh in SETTINGS
                if config.get(key) not in (None, "")]
    data = {
        "title": f"{cfg.arch} · {Path(run.dir).name}",
        "subtitle": texts["subtitle"].format(dataset=cfg.dataset, epochs=len(metrics),
                                             status=texts["status"].get(status, status), best=best),
        "texts": {k: v for k, v in texts.items() if isinstance(v, str)},
        "classes": list(cfg.info.classes),
        "metrics": metrics,
        "snapshots": [_snapshot(s, steps) for s in chosen],
        "confusion": confusion,
        "confusion_note": None if confusion else texts["no_confusion"],
        "settings": settings,
        "lesson": _lesson(run.dir, lang),
    }
    return data, notes


def _lesson(run_dir: Path, lang: str) -> dict | None:
    """The lesson the run came from (``lesson.json`` in its folder, written when a lesson started it)."""
    from convscope.core.runs.origin import read_lesson

    lesson = read_lesson(run_dir)
    if not lesson:
        return None
    pick = (lambda key: lesson.get(f"{key}_zh") or lesson.get(key)) if lang == "zh" else lesson.get
    return {"title": pick("title") or "", "text": pick("text") or "", "question": pick("question") or "",
            "chapter": pick("chapter") or ""}


def page_html(run_dir: str | Path, lang: str = "en") -> tuple[str, list[str]]:
    """The page of the run in ``run_dir`` (a folder or a bundle), and notes on what was left out."""
    data, notes = page_data(run_dir, lang)
    template = resource_path(TEMPLATE).read_text(encoding="utf-8")
    # JSON inside <script>: no "<" at all, so nothing in it can end the script or open a comment.
    blob = json.dumps(data, ensure_ascii=False, allow_nan=False).replace("<", "\\u003c")
    page = (template.replace("__LANG__", "zh-CN" if lang == "zh" else "en")
            .replace("__TITLE__", html.escape(data["title"])).replace("__DATA__", blob))
    return page, notes
