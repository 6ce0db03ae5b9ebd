import os

from django.core.wsgi import get_wsgi_application

from sustain.core.metrics import check_multiprocess_dir

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sustain.settings")
# A web process whose metrics folder is missing stops here, with a message, rather than
# answering every request with a 500.
check_multiprocess_dir()
application = get_wsgi_application()
