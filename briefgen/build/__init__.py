"""Building: the stages of one document (``stages``), the planner (``plan``), the work an
executor runs (``work``), writing and recording (``publish``, ``editions``, ``manifest``),
the executors, and the build that ties them together (``builder``)."""
