"""Training engine: config, pretext tasks, strategies, the run loop."""
