"""From a drawing or an image file to a prediction, the way MNIST digits were prepared.

MNIST's digits are light ink on black; each was cropped to its ink, scaled so the longer side is 20 px
(keeping the aspect ratio, with anti-aliasing), and placed in a 28×28 field so that its centre of mass
sits at the centre (pixel 14, 14). A network trained on MNIST expects exactly that, so a drawing goes
through the same steps before it is normalised like the training data:

1. grey levels in [0, 1], light ink on a dark background (a dark-on-light image is inverted), with the
   paper's own grey level removed so a photographed page counts as black;
2. strokes much thinner than MNIST's (about 2–3 px of 28) are thickened before scaling, so a 1-px line
   does not fade away;
3. crop to the ink, scale the longer side to 20 px, centre the centre of mass in 28×28;
4. for a model trained on larger or colour images (CIFAR-10: 3×32×32) the 28×28 digit is padded to the
   dataset's size and repeated over the channels; the run's own normalisation (and its resize, for the
   d2l forms) comes last, from :func:`run_preprocess`.

:class:`Predictor` runs a CPU copy of a model in eval mode (never the module being trained), and
:func:`grad_cam` shows where a network looked. This module does not import Qt.
"""
from __future__ import annotations

import math
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from convscope.core.base.devices import set_thread_count
from convscope.core.base.modeltools import eval_mode, first_tensor, forward_hooks
from convscope.core.data import imagefolder
from convscope.core.data import loading as data_mod
from convscope.core.setup.build import empty_model
from convscope.core.setup.config import TrainConfig

INK_THRESHOLD = 0.1  # a pixel brighter than this (0..1, after inversion) counts as ink
MIN_CONTRAST = 0.15  # ink must be this much brighter than the background, or the image is blank
DIGIT_BOX = 20
DIGIT_FIELD = 28
THIN_STROKE = 1.6  # strokes thinner than this (px at 28×28) are thickened…
TARGET_STROKE = 2.4  # …to about this, MNIST's typical stroke width


class InferenceError(ValueError):
    """An image that cannot be predicted; the message says why."""


# ------------------------------------------------------------------------------------ preprocessing
def as_gray(image: np.ndarray) -> np.ndarray:
    """(H, W), (H, W, 1|3|4) or (1|3, H, W) image, uint8 or float → (H, W) float32 in [0, 1]."""
    a = np.asarray(image)
    is_int = a.dtype.kind in "ui"
    a = a.astype(np.float32, copy=False)
    if a.ndim == 3:
        if a.shape[0] in (1, 3) and a.shape[-1] not in (1, 3, 4):
            a = a.transpose(1, 2, 0)
        if a.shape[-1] == 4:
            a = a[..., :3]
        a = a[..., 0] if a.shape[-1] == 1 else a @ np.array([0.299, 0.587, 0.114], np.float32)
    if a.ndim != 2 or a.size == 0:
        raise InferenceError(f"expected a grey or colour image, got an array of shape {np.shape(image)}")
    if is_int or (a.size and float(np.nanmax(a)) > 1.0):
        a = a / 255.0
    return np.clip(np.nan_to_num(a), 0.0, 1.0).astype(np.float32, copy=False)


def to_light_on_dark(gray: np.ndarray) -> np.ndarray:
    """Grey image in [0, 1] with light ink on black: inverted if it was dark on light, the paper's grey
    level (the median of the border) subtracted, its noise floored to black and the contrast stretched.
    """
    img = as_gray(gray)
    border = np.concatenate([img[0], img[-1], img[:, 0], img[:, -1]])
    background = float(np.median(border))
    if background > 0.5:  # the background is light: dark ink on paper
        img = 1.0 - img
        border = 1.0 - border
        background = 1.0 - background
    top = float(img.max())
    contrast = top - background
    if contrast < MIN_CONTRAST:
        return np.zeros_like(img)  # no ink stands out from the paper: a blank image
    # Paper grain and sensor noise (robust spread of the border) is floored to black, so it does not
    # count as ink: 5 sigma of the noise, relative to the ink's contrast.
    sigma = 1.4826 * float(np.median(np.abs(border - background)))
    floor = min(0.5, 5.0 * sigma / contrast)
    if background > 0 or top < 1 or floor > 0:
        img = np.clip((img - background) / contrast, 0.0, 1.0)
        if floor > 0:
            img = np.clip((img - floor) / (1.0 - floor), 0.0, 1.0)
    return img


def _resize(img: np.ndarray, height: int, width: int) -> np.ndarray:
    t = torch.from_numpy(np.ascontiguousarray(img, dtype=np.float32))[None, None]
    out = F.interpolate(t, size=(height, width), mode="bilinear", align_corners=False, antialias=True)
    return out[0, 0].clamp_(0, 1).numpy()


def center_of_mass(img: np.ndarray) -> tuple[float, float]:
    """(row, column) of the intensity-weighted centre, in pixel-index coordinates."""
    total = float(img.sum())
    if total <= 0:
        return (img.shape[0] - 1) / 2, (img.shape[1] - 1) / 2
    return (float(img.sum(1) @ np.arange(img.shape[0])) / total,
            float(img.sum(0) @ np.arange(img.shape[1])) / total)


def stroke_width(ink: np.ndarray) -> float:
    """Rough stroke width of a binary ink mask: 2 × area / boundary pixels (≥ 1 for any stroke)."""
    area = int(ink.sum())
    if area == 0:
        return 0.0
    padded = np.pad(ink, 1)
    inner = (padded[:-2, 1:-1] & padded[2:, 1:-1] & padded[1:-1, :-2] & padded[1:-1, 2:])
    boundary = int((ink & ~inner).sum())
    return max(1.0, 2.0 * area / max(boundary, 1))


def _dilate(img: np.ndarray, k: int) -> np.ndarray:
    t = torch.from_numpy(np.ascontiguousarray(img))[None, None]
    return F.max_pool2d(t, k, stride=1, padding=k // 2)[0, 0].numpy()


def _ink_box(ink: np.ndarray) -> tuple[int, int, int, int]:
    rows, cols = np.flatnonzero(ink.any(1)), np.flatnonzero(ink.any(0))
    return int(rows[0]), int(cols[0]), int(rows[-1] - rows[0] + 1), int(cols[-1] - cols[0] + 1)


@dataclass(frozen=True)
class Framing:
    """Where the digit of a source image went in the network's input (to map maps back onto it)."""

    source_shape: tuple[int, int]  # (H, W) of the source image
    crop: tuple[int, int, int, int]  # (top, left, height, width) of the ink box in the source
    placed: tuple[int, int, int, int]  # (top, left, height, width) of the scaled digit in the field
    field: int  # side of the framed image (28)
    pad: int = 0  # extra border around the field (2 for a 32-px dataset)

    def to_source(self, heat: np.ndarray) -> np.ndarray:
        """A map over the (padded) field, any resolution → the same map over the source image.

        The whole field is mapped back, not only the digit's box: the field's margin around the digit
        lands on the source's paper around the ink (and what falls outside the source is dropped).
        """
        heat = np.asarray(heat, np.float32)
        y0, x0, fh, fw = self.field_rect()
        height, width = max(1, round(fh)), max(1, round(fw))
        big = resize_image(heat, height, width)
        H, W = self.source_shape
        out = np.zeros((H, W), np.float32)
        oy, ox = round(y0), round(x0)
        ys, xs = max(0, oy), max(0, ox)
        ye, xe = min(H, oy + height), min(W, ox + width)
        if ye > ys and xe > xs:
            out[ys:ye, xs:xe] = big[ys - oy:ye - oy, xs - ox:xe - ox]
        return out

    def field_rect(self) -> tuple[float, float, float, float]:
        """(top, left, height, width) of the padded field in source coordinates: what the network saw."""
        top, left, nh, nw = self.placed
        r0, c0, h, w = self.crop
        sy, sx = h / nh, w / nw
        side = self.field + 2 * self.pad
        return r0 - (top + self.pad) * sy, c0 - (left + self.pad) * sx, side * sy, side * sx


def resize_image(img: np.ndarray, height: int, width: int) -> np.ndarray:
    """Bilinear resize without clamping (maps, not images)."""
    t = torch.from_numpy(np.ascontiguousarray(img, dtype=np.float32))[None, None]
    antialias = height < img.shape[0] or width < img.shape[1]
    return F.interpolate(t, size=(height, width), mode="bilinear", align_corners=False,
                         antialias=antialias)[0, 0].numpy()


def frame_digit(gray: np.ndarray, box: int = DIGIT_BOX, field: int = DIGIT_FIELD,
                center: str = "mass") -> tuple[np.ndarray, Framing] | None:
    """Any-polarity grey image → (``field``×``field`` float32 digit in MNIST's framing, its Framing).

    The ink is cropped, thin strokes are thickened, the longer side is scaled to ``box`` px keeping the
    aspect ratio, and the digit is placed so that its centre of mass (``center="mass"``, MNIST) or its
    bounding box (``center="box"``, Fashion-MNIST) is at the centre of the field. None if there is no ink.
    """
    img = to_light_on_dark(gray)
    ink = img > INK_THRESHOLD
    if not ink.any():
        return None
    r0, c0, h, w = _ink_box(ink)
    scale = box / max(h, w)
    width_out = stroke_width(img > 0.5) * scale
    if width_out < THIN_STROKE:
        k = int(round((TARGET_STROKE - width_out) / scale))
        k = min(k | 1, 2 * (max(h, w) // 4) + 1)  # odd, and never more than half the digit
        if k > 1:
            img = _dilate(img, k)
            ink = img > INK_THRESHOLD
            r0, c0, h, w = _ink_box(ink)
            scale = box / max(h, w)
    crop = img[r0:r0 + h, c0:c0 + w]
    nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
    digit = _resize(crop, nh, nw)
    peak = float(digit.max())
    if peak <= 0:
        return None
    digit /= peak  # MNIST's digits reach full white
    if center == "mass":
        cy, cx = center_of_mass(digit)
        top, left = int(round(field / 2 - cy)), int(round(field / 2 - cx))
    else:
        top, left = (field - nh) // 2, (field - nw) // 2
    top = min(max(top, 0), field - nh)  # keep the whole digit inside the field
    left = min(max(left, 0), field - nw)
    out = np.zeros((field, field), np.float32)
    out[top:top + nh, left:left + nw] = digit
    return out, Framing(tuple(img.shape), (r0, c0, h, w), (top, left, nh, nw), field)


def mnist_style(gray: np.ndarray, box: int = DIGIT_BOX, field: int = DIGIT_FIELD) -> np.ndarray | None:
    """Any-polarity grey image → ``field``×``field`` float32 digit in MNIST's framing (None if empty)."""
    framed = frame_digit(gray, box, field)
    return None if framed is None else framed[0]


def fit_style(gray: np.ndarray, field: int) -> np.ndarray | None:
    """For objects that fill the frame (Fashion-MNIST): crop, scale the longer side to fill, centre."""
    framed = frame_digit(gray, box=field, field=field, center="box")
    return None if framed is None else framed[0]


IMAGE_PIXEL_LIMIT = 40_000_000  # the largest image read (a 40-megapixel photo); larger ones are refused
_LUMA = np.array([0.299, 0.587, 0.114], np.float32)  # ITU-R 601, as Pillow's conversion to "L"


def load_image(path: str | os.PathLike, mode: str = "L") -> np.ndarray:
    """An image file as float32 in [0, 1] ((H, W) for mode "L", (H, W, 3) for "RGB").

    Any bit depth is scaled to [0, 1] (16-bit and 32-bit grey, floats), transparency is composited onto
    the background that keeps the ink's contrast (dark ink onto white paper, light ink onto black), and
    only regular files of at most :data:`IMAGE_PIXEL_LIMIT` pixels in the formats of
    :func:`core.base.safe_image.open_image` are read (a FIFO, a device, a decompression bomb or a
    PostScript file named ``.png`` is refused, never read)."""
    import warnings

    from PIL import Image, ImageOps

    from convscope.core.base.safe_image import ImageRefused, open_image

    path = os.fspath(path)
    if not os.path.exists(path):
        raise InferenceError(f"image {path} does not exist.")
    if os.path.isdir(path):
        raise InferenceError(f"{path} is a folder; give an image file (PNG or JPG).")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with open_image(path) as im:
                w, h = im.size
                if w * h > IMAGE_PIXEL_LIMIT:
                    raise InferenceError(f"image {path} is {w}×{h} pixels, more than the "
                                         f"{IMAGE_PIXEL_LIMIT // 1_000_000} megapixels ConvScope reads; "
                                         f"scale it down.")
                return _image_array(ImageOps.exif_transpose(im), mode)
    except InferenceError:
        raise
    except ImageRefused as exc:
        raise InferenceError(f"cannot read image {path}: it {exc}. Use a PNG or JPG file.") from None
    except (OSError, ValueError, EOFError, SyntaxError, MemoryError,
            Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise InferenceError(f"cannot read image {path}: {getattr(exc, 'strerror', None) or exc}. "
                             f"Use a PNG or JPG file.") from None


def _image_array(im, mode: str) -> np.ndarray:
    """A Pillow image as float32 in [0, 1]: grey (H, W) for mode "L", else (H, W, 3)."""
    if im.mode in ("I", "F") or im.mode.startswith("I;16"):
        gray = _scaled(np.asarray(im), im.mode)
        return gray if mode == "L" else np.repeat(gray[..., None], 3, axis=2)
    if im.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in im.info:
        rgba = np.asarray(im.convert("RGBA"), dtype=np.float32) / 255.0
        rgb, alpha = rgba[..., :3], rgba[..., 3:]
        if float(alpha.min()) < 1.0:
            # What shows is the ink (and any paper): on white paper if it is dark, on black if it is light,
            # so that white ink on a transparent background keeps its contrast.
            seen = alpha[..., 0]
            light = float(((rgb @ _LUMA) * seen).sum()) > 0.5 * max(float(seen.sum()), 1e-6)
            rgb = rgb * alpha + (0.0 if light else 1.0) * (1.0 - alpha)
        return (rgb @ _LUMA if mode == "L" else rgb).astype(np.float32)
    return np.asarray(im.convert(mode), dtype=np.float32) / 255.0


def _scaled(a: np.ndarray, mode: str) -> np.ndarray:
    """16-bit grey by its maximum (65535); 32-bit integers by the range their values use (8 or 16 bits,
    else their own minimum to maximum); floats as they are in [0, 1], else from their minimum to maximum."""
    a = np.nan_to_num(a.astype(np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    if mode.startswith("I;16"):
        return (a / 65535.0).astype(np.float32)
    lo, hi = (float(a.min()), float(a.max())) if a.size else (0.0, 0.0)
    if mode == "F" and lo >= 0 and hi <= 1.0:
        scaled = a
    elif mode != "F" and lo >= 0 and hi <= 255:
        scaled = a / 255.0
    elif mode != "F" and lo >= 0 and hi <= 65535:
        scaled = a / 65535.0
    else:
        scaled = (a - lo) / (hi - lo) if hi > lo else np.zeros_like(a)
    return np.clip(scaled, 0.0, 1.0).astype(np.float32)


# ------------------------------------------------------------------------------------------ predictor
@dataclass
class Prepared:
    """What the network sees: the framed image (for display) and the model's input tensor."""

    image: np.ndarray  # (H, W) or (H, W, 3) float32 in [0, 1] at the dataset's size
    tensor: torch.Tensor  # (1, C, S, S) normalised, on the CPU
    framing: Framing | None = None  # how the source image was cropped and placed

    def heat_on_source(self, heat: np.ndarray) -> np.ndarray | None:
        """A map over the model input (e.g. a Grad-CAM) → over the source image (None if unknown)."""
        return None if self.framing is None else self.framing.to_source(heat)


def run_preprocess(config: TrainConfig, info: data_mod.DatasetInfo | None = None) -> data_mod.Preprocess:
    """The training-time normalisation of a run's config (dataset statistics, size, channels)."""
    c, side, _ = config.input_size
    return data_mod.Preprocess(info or config.info, side, c)


DIGITS_KIND, CLOTHES_KIND, PHOTOS_KIND = "digits", "clothes", "photos"


def input_kind(info: data_mod.DatasetInfo) -> str:
    """What a dataset's images are: ``"digits"`` (MNIST and its sample), ``"clothes"`` (Fashion-MNIST and
    its sample) or ``"photos"`` (CIFAR-10, your own images, anything else). Digits and clothes are drawn;
    photos are loaded or taken from the test set."""
    if info.name.startswith("fashion-mnist"):
        return CLOTHES_KIND
    if info.name.startswith("mnist"):
        return DIGITS_KIND
    return PHOTOS_KIND


def is_colour(image: np.ndarray) -> bool:
    """An (H, W, 3|4) or (3, H, W) array: a colour image rather than a grey one."""
    shape = np.shape(image)
    return len(shape) == 3 and (shape[-1] in (3, 4) or (shape[0] == 3 and shape[-1] not in (1, 3, 4)))


def as_photo(image: np.ndarray) -> np.ndarray:
    """(H, W), (H, W, 1|3|4) or (1|3, H, W) image, uint8 or float → float32 in [0, 1]: (H, W) for a grey
    one, (H, W, 3) for a colour one (alpha dropped). Nothing else changes: no inversion, no framing."""
    a = np.asarray(image)
    is_int = a.dtype.kind in "uib"
    a = a.astype(np.float32, copy=False)
    if a.ndim == 3 and a.shape[0] in (1, 3) and a.shape[-1] not in (1, 3, 4):
        a = a.transpose(1, 2, 0)
    if a.ndim == 3 and a.shape[-1] == 1:
        a = a[..., 0]
    elif a.ndim == 3 and a.shape[-1] in (3, 4):
        a = a[..., :3]
    if a.ndim not in (2, 3) or a.ndim == 3 and a.shape[-1] != 3 or a.size == 0:
        raise InferenceError(f"expected a grey or colour image, got an array of shape {np.shape(image)}")
    if is_int or float(np.nanmax(a)) > 1.0:
        a = a / 255.0
    return np.ascontiguousarray(np.clip(np.nan_to_num(a), 0.0, 1.0), dtype=np.float32)


def prepare_for(info: data_mod.DatasetInfo, gray: np.ndarray) -> tuple[np.ndarray, Framing] | None:
    """An image framed for a dataset. Returns ((S, S) or (S, S, C) float32, Framing) or None (no ink).

    * Photos are not digits: for your own images (imagefolder) any image, and for CIFAR-10 a colour
      (H, W, 3) one, is resized whole to the dataset's size as the training images were
      (:func:`core.data.imagefolder.fit_array`), grey or colour as the dataset is.
    * A drawing (a grey image) gets MNIST's framing, or Fashion-MNIST's for clothes, padded to the
      dataset's size and repeated over its channels (a digit drawn for a CIFAR-10 network)."""
    kind = input_kind(info)
    if info.name == data_mod.IMAGEFOLDER or (kind == PHOTOS_KIND and is_colour(gray)):
        photo = as_photo(gray)
        image = imagefolder.fit_array(photo, info.size, info.channels)
        h, w, s = *photo.shape[:2], info.size
        return image, Framing((h, w), (0, 0, h, w), (0, 0, s, s), s)
    if kind == CLOTHES_KIND:
        framed = frame_digit(gray, box=DIGIT_FIELD, field=DIGIT_FIELD, center="box")
    else:
        framed = frame_digit(gray)
    if framed is None:
        return None
    image, framing = framed
    if info.size != DIGIT_FIELD:
        if info.size > DIGIT_FIELD:  # a 28-px digit on a larger black field (LeNet's 32×32 convention)
            pad = (info.size - DIGIT_FIELD) // 2
            image = np.pad(image, (pad, info.size - DIGIT_FIELD - pad))
            framing = Framing(framing.source_shape, framing.crop, framing.placed, framing.field, pad)
        else:
            image = _resize(image, info.size, info.size)
    if info.channels > 1:
        image = np.repeat(image[..., None], info.channels, axis=2)
    return image, framing


class Predictor:
    """Predicts with a CPU model in eval mode; never the module being trained."""

    def __init__(self, model: nn.Module, config: TrainConfig, source: str = "", epoch: int = 0):
        self.model = model.to("cpu").eval()
        self.config = config
        self.info = config.info
        self.preprocess = run_preprocess(config)
        self.source, self.epoch = source, epoch
        self.note = ""  # e.g. "+40 steps" for weights taken in the middle of an epoch
        self.generation = 0  # counts weight updates, so cached predictions can tell they are stale
        self._cam_layer: str | None = None

    @classmethod
    def from_run(cls, run) -> Predictor:
        return cls(run.model, run.config, source=str(run.dir), epoch=run.epoch)

    @classmethod
    def from_weights(cls, config: TrainConfig, weights: dict[str, torch.Tensor], source: str = "",
                     epoch: int = 0) -> Predictor:
        """A new CPU model of ``config`` with a copy of ``weights`` (the caller's tensors are not kept).

        Built without random initialisation, so the global random generator that a training run in
        another thread draws from (dropout, shuffles) is left untouched."""
        model = empty_model(config, "cpu")
        model.load_state_dict(_plain_state(weights))
        return cls(model, config, source, epoch)

    def update_weights(self, weights: dict[str, torch.Tensor], epoch: int) -> None:
        """Copy newer weights of the same architecture into this predictor's own model."""
        self.model.load_state_dict(_plain_state(weights))
        self.model.eval()
        self.epoch = epoch
        self.note = ""
        self.generation += 1

    def describe(self) -> str:
        """"live: lenet, epoch 3" for weights of a running training, "run: /path, epoch 5" for a run."""
        note = f" {self.note}" if self.note else ""
        if self.source:
            return f"run: {self.source}, epoch {self.epoch}{note}"
        return f"live: {self.config.arch}, epoch {self.epoch}{note}"

    def class_name(self, label: int) -> str:
        return self.info.classes[label]

    @property
    def classes(self) -> tuple[str, ...]:
        return self.info.classes

    def prepare(self, gray: np.ndarray) -> Prepared | None:
        """An image → model input (None if a drawing is empty), see :func:`prepare_for`: a grey (H, W)
        drawing in [0, 1] or 0..255, either polarity, is framed like the dataset's digits or clothes; a
        photo model (CIFAR-10, your own images) takes a colour (H, W, 3) or (3, H, W) photo too, resized
        whole to its input size."""
        framed = prepare_for(self.info, gray)
        if framed is None:
            return None
        image, framing = framed
        chw = image[None] if image.ndim == 2 else image.transpose(2, 0, 1)
        u8 = torch.from_numpy(np.round(chw * 255).astype(np.uint8))[None]
        return Prepared(image=image, tensor=self.preprocess(u8), framing=framing)

    @torch.no_grad()
    def probabilities(self, prepared: Prepared) -> np.ndarray:
        out = first_tensor(self.model(prepared.tensor))
        probs = torch.softmax(out.float(), 1)[0].numpy()
        if not np.isfinite(probs).all():
            raise InferenceError("the model's outputs are not finite numbers: its weights are broken "
                                 "(did the run diverge?). Train again with a smaller learning rate.")
        return probs

    def predict_array(self, gray: np.ndarray, k: int = 3) -> list[tuple[int, float]]:
        prepared = self.prepare(gray)
        if prepared is None:
            return []
        return top_k(self.probabilities(prepared), k)

    def predict_file(self, path: str | os.PathLike, k: int = 3) -> list[tuple[int, float]]:
        photo = input_kind(self.info) == PHOTOS_KIND and self.info.channels == 3
        gray = load_image(path, "RGB" if photo else "L")  # (H, W, 3) for a colour photo model
        prepared = self.prepare(gray)
        if prepared is None:
            what = "a digit" if input_kind(self.info) == DIGITS_KIND else "one piece of clothing"
            raise InferenceError(f"image {os.fspath(path)} is blank: nothing to classify. Give a picture of "
                                 f"{what}, dark on light or light on dark.")
        return top_k(self.probabilities(prepared), k)

    def grad_cam(self, prepared: Prepared, target: int | None = None) -> GradCam:
        if self._cam_layer is None:
            self._cam_layer = find_cam_layer(self.model, prepared.tensor)
        return grad_cam(self.model, prepared.tensor, target, self._cam_layer)


def _plain_state(weights: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """A state dict without the ``_orig_mod.`` prefix that ``torch.compile`` adds to its keys."""
    prefix = "_orig_mod."
    if any(k.startswith(prefix) for k in weights):
        return {k[len(prefix):] if k.startswith(prefix) else k: v for k, v in weights.items()}
    return weights


def use_one_thread_here() -> Callable[[], None]:
    """Run the calling thread's torch operations on one core, leaving other threads as they are.

    A window predicts one small image at a time on its GUI thread while a training run keeps the cores
    busy in another thread. A second OpenMP team in the GUI thread would only fight the training for
    the cores: measured on a 2-core laptop CPU, one LeNet forward took 80 ms with two threads and
    0.15 ms with one. Other threads, and the default that threads started later get, keep their counts
    (``core.base.devices.set_thread_count``).

    Returns a function that puts the calling thread's count back once every user of this thread's one
    thread has called it (a draw panel, when it goes); called from another thread it does nothing.
    """
    state = _one_thread
    if not getattr(state, "users", 0):
        state.before = torch.get_num_threads()
        set_thread_count(1)  # this thread only: the default of later threads stays the process's
    state.users = getattr(state, "users", 0) + 1
    owner, done = threading.current_thread(), []

    def restore() -> None:
        if done or threading.current_thread() is not owner:
            return
        done.append(True)
        state.users -= 1
        if not state.users:
            set_thread_count(state.before)

    return restore


_one_thread = threading.local()


def top_k(probs: np.ndarray, k: int) -> list[tuple[int, float]]:
    """The ``k`` most probable classes, best first, as (label, probability)."""
    order = np.argsort(-probs, kind="stable")[: max(1, min(k, len(probs)))]
    return [(int(i), float(probs[i])) for i in order if math.isfinite(float(probs[i]))]


# ------------------------------------------------------------------------------------------ Grad-CAM
_NOT_CAM = (nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d, nn.LPPool2d,
            nn.Dropout, nn.Dropout2d, nn.Flatten)


def find_cam_layer(model: nn.Module, x: torch.Tensor) -> str:
    """The name of the last module whose output is a spatial map (B, C, H, W with H·W > 1).

    That is the last convolution, or the block that ends with it (a residual or inception block, the
    last NiN block), so the map is the network's last look at space before it averages or flattens.
    Pooling and dropout layers are skipped, and so is a container whose output *is* a pooled map: the
    map before the pool is finer. The hooks used to find it are removed before returning.
    """
    order: list[str] = []
    skipped: set[int] = set()
    alive: list[torch.Tensor] = []  # keeps every output alive during the pass, so ids stay unique

    def make_hook(name: str):
        def hook(mod, inputs, output):
            output = first_tensor(output)
            if not isinstance(output, torch.Tensor) or output.dim() != 4:
                return
            alive.append(output)
            if isinstance(mod, nn.Identity):  # hands its input on: neither a layer to explain nor a pool
                return
            if isinstance(mod, _NOT_CAM) or output.shape[-1] * output.shape[-2] <= 1:
                skipped.add(id(output))
                return
            if id(output) in skipped:
                return
            order.append(name)
        return hook

    hooks = [(name, make_hook(name)) for name, _ in model.named_modules() if name]
    with forward_hooks(model, hooks), eval_mode(model), torch.no_grad():
        model(x)
    if not order:
        raise InferenceError("this network has no spatial feature maps to explain.")
    return order[-1]


@dataclass
class GradCam:
    heatmap: np.ndarray  # (H, W) float32 in [0, 1] at the model's input size
    target: int  # the class explained
    layer: str  # the module whose maps were weighted
    probabilities: np.ndarray  # softmax of the same forward pass
    map_size: tuple[int, int] | None = None  # (h, w) of the layer's maps: how coarse the heat map is


def grad_cam(model: nn.Module, x: torch.Tensor, target: int | None = None,
             layer: str | None = None) -> GradCam:
    """Grad-CAM (Selvaraju et al., 2017) of ``x`` (1, C, H, W) for class ``target`` (default: the
    predicted one): the maps A_k of ``layer`` weighted by the mean gradient of the class score over each
    map, summed over k, ReLU, upsampled to the input size and scaled to [0, 1].

    The model's mode, parameters and their ``.grad`` are left as they were; the hook is removed after.
    """
    if layer is None:
        layer = find_cam_layer(model, x)
    module = dict(model.named_modules()).get(layer)
    if module is None:
        raise InferenceError(f"the network has no layer named {layer!r}.")
    saved: list[torch.Tensor] = []

    def hook(mod, inputs, output):
        if not saved:
            saved.append(first_tensor(output))

    with forward_hooks(model, [(layer, hook)]), eval_mode(model), torch.enable_grad():
        inp = x.detach().to("cpu").clone().requires_grad_(True)
        logits = first_tensor(model(inp))[0].float()
        cls = int(logits.argmax()) if target is None else int(target)
        if not saved:
            raise InferenceError(f"layer {layer!r} did not run in the forward pass.")
        acts = saved[0]
        (grads,) = torch.autograd.grad(logits[cls], acts, allow_unused=True)
    side = tuple(x.shape[-2:])
    if grads is None:
        heat = torch.zeros(side)
    else:
        weights = grads[0].mean(dim=(1, 2), keepdim=True)  # one weight per map
        cam = torch.relu((weights * acts[0].detach()).sum(0))[None, None]
        heat = F.interpolate(cam, size=side, mode="bilinear", align_corners=False)[0, 0].clamp_(min=0)
        peak = float(heat.max())
        heat = heat / peak if peak > 0 and math.isfinite(peak) else torch.zeros(side)
    probs = torch.softmax(logits.detach(), 0).numpy()
    map_size = tuple(int(v) for v in acts.shape[-2:]) if acts.dim() >= 3 else None
    return GradCam(heat.numpy().astype(np.float32), cls, layer, probs, map_size)
