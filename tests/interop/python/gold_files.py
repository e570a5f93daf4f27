"""Arrow's gold IPC files ($HANGAR_TESTDATA_DIR/arrow-ipc/<version>/<case>.stream and .arrow_file)."""

import gzip
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pyarrow.ipc as ipc

from hangar_paths import TESTDATA_DIR

GOLD_DIR = TESTDATA_DIR / "arrow-ipc"
FORMS = {".stream": "stream", ".arrow_file": "file"}


def sanitize(name):
    """A table name of [A-Za-z0-9_-] only."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", name)


@dataclass(frozen=True)
class GoldFile:
    path: Path
    version: str  # the folder: 0.14.1, cpp-21.0.0, ...
    case: str  # generated_primitive, ...
    form: str  # stream or file

    @property
    def id(self):
        return f"{self.version}/{self.case}.{self.form}"

    def table_name(self, prefix=""):
        return sanitize(f"{prefix}{self.version}_{self.case}_{self.form}")

    def json_schema(self):
        """The schema of the case's integration JSON file (<case>.json.gz beside it)."""
        with gzip.open(self.path.with_suffix(".json.gz"), "rt") as f:
            return json.load(f)["schema"]

    def read(self):
        """(schema, batches) as pyarrow reads them."""
        if self.form == "stream":
            with ipc.open_stream(self.path) as reader:
                return reader.schema, list(reader)
        with ipc.open_file(self.path) as reader:
            return reader.schema, [reader.get_batch(i) for i in range(reader.num_record_batches)]


def gold_files():
    files = []
    for folder in sorted(p for p in GOLD_DIR.glob("*/") if p.is_dir()):
        for path in sorted(folder.iterdir()):
            if path.suffix in FORMS:
                files.append(GoldFile(path, folder.name, path.stem, FORMS[path.suffix]))
    return files
