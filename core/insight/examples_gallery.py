"""A gallery of examples as a PNG: each image with its label and its history (a cell per epoch: green right,
red wrong, grey not seen), for ``convscope examples --png``. Needs matplotlib."""
from __future__ import annotations

import io

import numpy as np

from convscope.core.insight.examples import RIGHT, WRONG, Dynamics

COLOURS = {RIGHT: (0.18, 0.62, 0.27), WRONG: (0.84, 0.19, 0.15)}
UNSEEN_COLOUR = (0.8, 0.8, 0.8)
TITLES = {None: "examples", "forgotten": "most forgotten", "never": "never learned", "late": "learned last"}


def strip_rgb(history: np.ndarray) -> np.ndarray:
    """One example's history (epochs,) as an RGB row (1, epochs, 3)."""
    row = np.array([COLOURS.get(int(v), UNSEEN_COLOUR) for v in history], dtype=np.float32).reshape(1, -1, 3)
    return row if row.size else np.full((1, 1, 3), UNSEEN_COLOUR, dtype=np.float32)


def gallery_png(d: Dynamics, indices, images: np.ndarray, class_names, sort: str | None = None,
                title: str = "", columns: int = 8) -> bytes:
    """The PNG bytes of a gallery of ``indices`` (examples of ``d``; ``images`` the split's uint8 images)."""
    import matplotlib

    matplotlib.use("Agg", force=True)  # files only, no window
    from matplotlib.figure import Figure

    indices = [int(i) for i in indices]
    cols = max(1, min(columns, len(indices)))
    rows = max(1, -(-len(indices) // cols))
    fig = Figure(figsize=(1.6 * cols, 2.0 * rows + 0.6), dpi=100)
    grid = fig.add_gridspec(2 * rows, cols, height_ratios=[6, 1] * rows, hspace=0.5, wspace=0.15)
    for k, i in enumerate(indices):
        r, c = divmod(k, cols)
        ax = fig.add_subplot(grid[2 * r, c])
        img = images[i]
        ax.imshow(img[0] if img.shape[0] == 1 else np.transpose(img, (1, 2, 0)), cmap="gray", vmin=0, vmax=255)
        label = int(d.labels[i])
        name = class_names[label] if 0 <= label < len(class_names) else str(label)
        ax.set_title(f"#{i} {name}\nforgotten {int(d.forgotten[i])}", fontsize=7)
        ax.axis("off")
        strip = fig.add_subplot(grid[2 * r + 1, c])
        strip.imshow(strip_rgb(d.history[:, i]), aspect="auto", interpolation="nearest")
        strip.set_xticks([])
        strip.set_yticks([])
    fig.suptitle(title or f"{d.split} split: {TITLES.get(sort, sort)} ({d.epochs} epochs; green right, red wrong)",
                 fontsize=9)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()
