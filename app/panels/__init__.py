"""The four panels of the main window: Live, Replay, Train and Evaluate."""
