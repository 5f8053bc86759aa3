"""Live recognition: frames -> pose -> skeleton -> sliding window -> smoothed predictions.

The pieces are usable separately and imported from their modules (this package
re-exports nothing, so that importing the recogniser does not load OpenCV or MediaPipe):

* :mod:`core.live.capture`: camera, file or stream reading on a thread, newest frame only.
* :mod:`core.live.pose`: MediaPipe Pose and the MediaPipe -> Kinect axis conversion.
* :mod:`core.live.window`: :class:`~core.live.window.SlidingWindow`, the last seconds of
  skeletons with gap handling.
* :mod:`core.live.recogniser`: :class:`~core.live.recogniser.RealtimeRecognizer` and
  :class:`~core.live.recogniser.LiveSettings`, the one place the live defaults live.
* :mod:`core.live.pipeline`: :func:`~core.live.pipeline.run_live`, one
  :class:`~core.live.pipeline.LiveUpdate` per frame with stage timings.
* :mod:`core.live.overlay`: OpenCV drawing (pose, predictions, skeleton views).
"""
