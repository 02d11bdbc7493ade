"""The Draw tab's widgets, under one name.

The drawing surface is :mod:`app.widgets.draw_canvas` (:class:`DrawCanvas`, ``drawCanvas``), the tab
around it :mod:`app.widgets.draw_panel` (:class:`DrawPanel`), and the choice of the network that predicts
:mod:`app.model_source`. This module gathers what they offer for ``from app.widgets.canvas import …``.
"""
from __future__ import annotations

from ..model_source import ModelSource, SampleSource
from .draw_canvas import CANVAS_SIZE, ERASER_WIDTH, PEN_WIDTH, CanvasPrediction, DrawCanvas, gray_to_qimage
from .draw_panel import DrawPanel

__all__ = ["CANVAS_SIZE", "ERASER_WIDTH", "PEN_WIDTH", "CanvasPrediction", "DrawCanvas", "DrawPanel",
           "ModelSource", "SampleSource", "gray_to_qimage"]
