"""Sub-commands of the ``ms2l`` CLI, one module each."""
