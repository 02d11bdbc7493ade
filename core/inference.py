"""From a drawing or an image file to a prediction, the way MNIST digits were prepared.

MNIST's digits are light ink on black; each was cropped to its ink, scaled so the longer side is 20 px
(keeping the aspect ratio), and placed in a 28×28 field so that its centre of mass sits at the centre.
A network trained on MNIST expects exactly that, so a drawing goes through the same steps before it is
normalised like the training data.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numpy as np
import torch

from . import data as data_mod

INK_THRESHOLD = 0.1  # a pixel brighter than this (0..1, after inversion) counts as ink
DIGIT_BOX = 20
DIGIT_FIELD = 28


class InferenceError(ValueError):
    """An image that cannot be predicted; the message says why."""


def to_light_on_dark(gray: np.ndarray) -> np.ndarray:
    """Grey image in [0, 1] with light ink on a dark background (inverted if it was dark on light)."""
    gray = np.asarray(gray, dtype=np.float32)
    if gray.ndim != 2:
        raise InferenceError(f"expected a 2-D grey image, got shape {gray.shape}")
    if gray.max() > 1.0:
        gray = gray / 255.0
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    if np.median(border) > 0.5:  # the background is light: dark ink on paper
        gray = 1.0 - gray
    return np.clip(gray, 0.0, 1.0)


def _resize(img: np.ndarray, height: int, width: int) -> np.ndarray:
    t = torch.from_numpy(np.ascontiguousarray(img, dtype=np.float32))[None, None]
    out = torch.nn.functional.interpolate(t, size=(height, width), mode="bilinear", align_corners=False,
                                          antialias=True)
    return out[0, 0].clamp_(0, 1).numpy()


def center_of_mass(img: np.ndarray) -> tuple[float, float]:
    total = float(img.sum())
    ys, xs = np.indices(img.shape)
    return float((ys * img).sum() / total), float((xs * img).sum() / total)


def mnist_style(gray: np.ndarray, box: int = DIGIT_BOX, field: int = DIGIT_FIELD) -> np.ndarray | None:
    """Light-on-dark grey image → ``field``×``field`` float32 digit in MNIST's framing (None if empty)."""
    img = to_light_on_dark(gray)
    ink = img > INK_THRESHOLD
    if not ink.any():
        return None
    rows, cols = np.flatnonzero(ink.any(1)), np.flatnonzero(ink.any(0))
    crop = img[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    h, w = crop.shape
    scale = box / max(h, w)
    nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
    digit = _resize(crop, nh, nw)
    out = np.zeros((field, field), np.float32)
    top, left = (field - nh) // 2, (field - nw) // 2
    out[top:top + nh, left:left + nw] = digit
    if out.sum() <= 0:
        return None
    # Shift so the centre of mass lands on the centre of the field, keeping the digit inside it.
    cy, cx = center_of_mass(out)
    dy = int(round((field - 1) / 2 - cy))
    dx = int(round((field - 1) / 2 - cx))
    dy = min(max(dy, -top), field - top - nh)
    dx = min(max(dx, -left), field - left - nw)
    return np.roll(out, (dy, dx), axis=(0, 1))


def fit_style(gray: np.ndarray, field: int) -> np.ndarray | None:
    """For objects that fill the frame (Fashion-MNIST): crop to the ink, scale the longer side to fill."""
    return mnist_style(gray, box=field, field=field)


def load_image(path: str | os.PathLike, mode: str = "L") -> np.ndarray:
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            im = ImageOps.exif_transpose(im)
            if im.mode in ("RGBA", "LA", "P"):
                rgba = im.convert("RGBA")
                bg = Image.new("RGBA", rgba.size, (255, 255, 255, 255))  # transparent → white paper
                im = Image.alpha_composite(bg, rgba)
            return np.asarray(im.convert(mode), dtype=np.float32) / 255.0
    except FileNotFoundError:
        raise InferenceError(f"image {path} does not exist.") from None
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise InferenceError(f"cannot read image {path}: {exc}. Use a PNG or JPG file.") from None


@dataclass
class Prepared:
    """What the network sees: the framed image (for display) and the model's input tensor."""

    image: np.ndarray  # (H, W) or (H, W, 3) float32 in [0, 1] at the dataset's size
    tensor: torch.Tensor  # (1, C, S, S) normalised, on the CPU


def run_preprocess(config: dict, info: data_mod.DatasetInfo | None = None) -> data_mod.Preprocess:
    """The training-time normalisation of a run's config (dataset statistics, size, channels)."""
    from .engine import TrainConfig

    cfg = TrainConfig.from_dict(config, check_device=False)
    c, side, _ = cfg.input_size
    return data_mod.Preprocess(info or cfg.info, side, c)


class Predictor:
    """Predicts with a CPU model in eval mode; never the module being trained."""

    def __init__(self, model: torch.nn.Module, config: dict, source: str = "", epoch: int = 0):
        from .engine import TrainConfig

        self.model = model.to("cpu").eval()
        self.config = config
        self.cfg = TrainConfig.from_dict(config, check_device=False)
        self.info = self.cfg.info
        self.preprocess = run_preprocess(config)
        self.source, self.epoch = source, epoch

    @classmethod
    def from_run(cls, run) -> "Predictor":
        return cls(run.model, run.config, source=str(run.dir), epoch=run.epoch)

    @classmethod
    def from_weights(cls, config: dict, weights: dict[str, torch.Tensor], source: str = "",
                     epoch: int = 0) -> "Predictor":
        from .engine import TrainConfig, build_model

        model = build_model(TrainConfig.from_dict(config, check_device=False))
        model.load_state_dict(weights)
        return cls(model, config, source, epoch)

    def class_name(self, label: int) -> str:
        return self.info.classes[label]

    def prepare(self, gray: np.ndarray) -> Prepared | None:
        """A grey (H, W) image in [0, 1] or 0..255, either polarity → model input (None if empty)."""
        info = self.info
        if info.name == "cifar10":
            framed = fit_style(gray, 28)
            if framed is None:
                return None
            framed = np.pad(framed, 2)  # a 28-px digit on a 32-px field, as drawn on black
            image = np.repeat(framed[..., None], 3, axis=2)
        elif info.name == "fashion-mnist":
            image = fit_style(gray, info.size)
        else:
            image = mnist_style(gray)
        if image is None:
            return None
        chw = image[None] if image.ndim == 2 else image.transpose(2, 0, 1)
        u8 = torch.from_numpy(np.round(chw * 255).astype(np.uint8))[None]
        return Prepared(image=image, tensor=self.preprocess(u8))

    @torch.no_grad()
    def probabilities(self, prepared: Prepared) -> np.ndarray:
        logits = self.model(prepared.tensor).float()
        return torch.softmax(logits, 1)[0].numpy()

    def predict_array(self, gray: np.ndarray, k: int = 3) -> list[tuple[int, float]]:
        prepared = self.prepare(gray)
        if prepared is None:
            return []
        return top_k(self.probabilities(prepared), k)

    def predict_file(self, path: str | os.PathLike, k: int = 3) -> list[tuple[int, float]]:
        gray = load_image(path)
        prepared = self.prepare(gray)
        if prepared is None:
            raise InferenceError(f"image {path} is blank: no ink found to classify.")
        return top_k(self.probabilities(prepared), k)


def top_k(probs: np.ndarray, k: int) -> list[tuple[int, float]]:
    order = np.argsort(-probs, kind="stable")[: max(1, min(k, len(probs)))]
    return [(int(i), float(probs[i])) for i in order if math.isfinite(float(probs[i]))]
