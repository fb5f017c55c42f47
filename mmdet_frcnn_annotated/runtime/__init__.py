"""What runs inside a traced step: it records and does nothing else.

- :mod:`.recorder`: the active recorder and its records;
- :mod:`.capture`: the line capture of the watched functions;
- :mod:`.observers`: wrappers of mmdet's assigners and samplers;
- :mod:`.boxes`: the boxes the pictures will draw, as plain data;
- :mod:`.config_facts`: config values read off the model;
- :mod:`.log_stats`: per-step counts for mmdet's log (every step);
- :mod:`.settings`: the ``trace`` settings of a config.

Records leave through :mod:`..tracefile`; nothing here renders.
"""
