"""Inference: a trained run as a :class:`Predictor` (torch or onnxruntime), its ONNX export,
and prediction over continuous sequences."""

from __future__ import annotations

from core.inference.predictor import Predictor, export_onnx

__all__ = ["Predictor", "export_onnx"]
