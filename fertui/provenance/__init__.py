"""What made a run's numbers: the code state (git.py), the job's environment (environment.py),
recorded at queue time and at start (record.py), shown by ``fertui show`` and ``fertui diff``
(render.py, compare.py). Standard library only: the manager never imports torch for this.
"""
