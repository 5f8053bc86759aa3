"""Reusable display widgets: skeleton views, video overlay, bars, curves, heatmap, timeline."""
