"""Pages and pictures, made from a step's records (and, for the pictures,
its images): nothing here imports the run-time package.

- :mod:`.pages`: the files of one step (reports, listings, pictures);
- :mod:`.worker`: rendering off the training step, in a thread;
- :mod:`.stage_report`, :mod:`.flow`: the stage report and its chart;
- :mod:`.listing`, :mod:`.annotate`: the annotated listing;
- :mod:`.diff`: what differs between two traces;
- :mod:`.drawing`: the pictures.
"""
