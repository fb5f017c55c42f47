"""What this package knows about mmdet 2.11's two-stage detectors, as data.

- :mod:`.watched`: the functions the listing shows, and how to label their
  passes (:data:`~.watched.WATCHED`);
- :mod:`.line_shapes`: the symbolic shapes of their local variables;
- :mod:`.stages`: the stage families of a step, the flow chart's arrows,
  the config values the notes quote, the kinds of picture;
- :mod:`.known_behaviours`: mmdet behaviours that look like mismatches;
- :mod:`.provenance`, :mod:`.sources`, :mod:`.scopes`: which mmdet code
  ran, where it is defined, which head it belongs to;
- :mod:`.symbols`: the symbols of the trace and how a symbolic shape is
  evaluated;
- :mod:`.texts`: every word a learner reads, per language.

Nothing here imports the rest of the package.
"""
