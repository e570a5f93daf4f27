"""Hangar from Python: Kafka topics as Arrow batches and pandas frames in-process
(hangar.kafka), a Flight client for a Hangar server (hangar.flight, with pyarrow),
and the `hangar` executable itself (`python -m hangar serve ...`).
"""

from hangar._native import HangarError

__all__ = ["HangarError", "__version__"]
__version__ = "0.1.0"
