"""Live internals: feature maps, 1×1 convolutions, global average pooling and the output, during training.

The views only draw; :class:`ActivationsController` wires them to a :class:`core.insight.probe.Probe`:

* the probe runs in the training thread (``trainer.step_hooks``) and drops snapshots into a latest-only
  mailbox; a ~30 Hz timer in the GUI thread takes them (the GUI never waits on the worker);
* each view says whether it is visible; the probe is told to capture only the layers of visible views, so
  a hidden view costs the training loop nothing;
* the views follow the window's one timeline (``app.timeline``): at step *k* they show the snapshot
  recorded then (the probe's bounded history, or an opened run's replay), or say that none was; each
  view's own timeline bar is hidden once the controller follows it;
* when the probe fails, every view says so (and why) until the next snapshot comes.

All images are ``pg.ImageItem``s with fixed levels and a lookup table (``setImage(..., autoLevels=False)``).

One job per module: :mod:`._common` (image helpers, colours, the paint meter), :mod:`.bars` (timeline and
probe image bars), :mod:`.base` (the frame of a view), one module per view, :mod:`.controller`.
"""
from __future__ import annotations

from ._common import (
                      BAR_COLOUR,
                      PAINT_METER,
                      PRED_COLOUR,
                      TRUE_COLOUR,
                      TimedGraphicsLayoutWidget,
                      mosaic_to_float,
                      set_image,
                      tile_maps,
)
from .bars import SampleBar, TimelineBar
from .base import InsideView
from .controller import ActivationsController, probe_problem_text
from .feature_maps import FeatureMapView
from .gap import GapView
from .one_by_one import OneByOneView
from .output import OutputView

__all__ = [
    "ActivationsController", "BAR_COLOUR", "FeatureMapView", "GapView", "InsideView", "OneByOneView",
    "OutputView", "PAINT_METER", "PRED_COLOUR", "SampleBar", "TRUE_COLOUR", "TimedGraphicsLayoutWidget",
    "TimelineBar", "mosaic_to_float", "probe_problem_text", "set_image", "tile_maps",
]
