"""A web worker loads the URL configuration, not the text models' libraries: scikit-learn,
SciPy and lingua doubled each gunicorn worker's memory and slowed its first request."""

import json
import os
import subprocess
import sys

HEAVY = ("sklearn", "scipy", "lingua", "onnxruntime", "sentence_transformers")

PROBE = """
import json, sys
import django
django.setup()
import mehvar.urls
from django.urls import get_resolver
get_resolver().url_patterns  # every view module imported
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


def test_the_url_configuration_imports_no_model_library(tmp_path) -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "mehvar.settings",
           "MEHVAR_VAR_DIR": str(tmp_path), "MEHVAR_DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True,
                         text=True, timeout=120, check=True)
    loaded = set(json.loads(out.stdout.strip().splitlines()[-1]))

    assert "mehvar" in loaded  # the probe did load the project
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))
