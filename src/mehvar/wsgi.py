import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mehvar.settings")
application = get_wsgi_application()

# A page allocates tens of thousands of short-lived objects (template nodes' output, model
# instances); with CPython's default threshold (700) the collector ran dozens of times per
# request and its full passes over the loaded framework showed up as p95 tails. Move what is
# loaded now out of the collector's view and collect young objects less often.
gc.collect()
gc.freeze()
gc.set_threshold(20_000, 20, 20)
