"""Settings come from the environment, with safe embedded defaults (checked in fresh processes)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "p9#v2@kq8!zr7x$w1m4n6b3c5d0f8g2h4j6k8l0q1w3e5r7t9y-u_i+o=p",
    "ALLOWED_HOSTS": "elearn.example.org",
    "ELEARN_READ_DOTENV": "0",
}
SHOW = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({'engine': settings.DATABASES['default']['ENGINE'], "
    "'db_name': str(settings.DATABASES['default']['NAME']), "
    "'broker': settings.CELERY_BROKER_URL, "
    "'transport': getattr(settings, 'CELERY_BROKER_TRANSPORT_OPTIONS', {}), "
    "'cache': settings.CACHES['default']['BACKEND'], "
    "'media': settings.STORAGES['default']['BACKEND'], "
    "'email': settings.EMAIL_BACKEND, 'debug': settings.DEBUG, "
    "'verification': settings.ACCOUNT_EMAIL_VERIFICATION}))"
)


def run_python(code, env, *args):
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DEBUG",
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "DATABASE_URL",
            "CELERY_BROKER_URL",
            "CACHE_URL",
            "EMAIL_URL",
            "AWS_STORAGE_BUCKET_NAME",
            "SECURE_SSL_REDIRECT",
            "ELEARN_VAR_DIR",
        }
    }
    return subprocess.run(
        [sys.executable, *(["-c", code] if code else []), *args],
        env={**clean, "DJANGO_SETTINGS_MODULE": "elearn.settings", **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def settings_with(tmp_path, **env):
    result = run_python(SHOW, {**PRODUCTION, "ELEARN_VAR_DIR": str(tmp_path), **env})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


# With no server in the environment: the database, the cache, the media files, the email and
# the broker, each used once, and two transactions that read then write at once.
USE_EVERY_SERVICE = """
import json, threading, time
import django
django.setup()
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.mail import send_mail
from django.core.management import call_command
from django.db import connection, transaction
from elearn.celery import app

with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE counter (n integer)")
    cursor.execute("INSERT INTO counter VALUES (0)")
errors = []

def add_one():
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT n FROM counter")
            (n,) = cursor.fetchone()
            time.sleep(0.3)  # the other one reads meanwhile, unless it waits for this one
            cursor.execute("UPDATE counter SET n = %s", [n + 1])
    except Exception as error:
        errors.append(repr(error))
    finally:
        connection.close()

writers = [threading.Thread(target=add_one) for _ in range(2)]
for writer in writers:
    writer.start()
for writer in writers:
    writer.join()
with connection.cursor() as cursor:
    cursor.execute("SELECT n FROM counter")
    (counted,) = cursor.fetchone()

call_command("createcachetable", verbosity=0)
cache.set("probe", "cached")
stored = default_storage.save("probe.txt", ContentFile(b"stored"))
send_mail("Probe subject", "Probe body", None, ["someone@example.org"])
with app.connection_for_write() as broker:
    queue = broker.SimpleQueue("probe")
    queue.put({"probe": 1})
    message = queue.get(timeout=5).payload
    queue.close()
print(json.dumps({
    "counted": counted, "errors": errors, "cached": cache.get("probe"),
    "stored": default_storage.open(stored).read().decode(), "message": message,
}))
"""


def test_embedded_defaults_need_no_server(tmp_path):
    result = run_python(USE_EVERY_SERVICE, {**PRODUCTION, "ELEARN_VAR_DIR": str(tmp_path)})

    assert result.returncode == 0, result.stderr
    used = json.loads(result.stdout.strip().splitlines()[-1])
    # Concurrent writers queue for the database rather than fail with "database is locked"
    # or lose an update.
    assert (used["counted"], used["errors"]) == (2, [])
    assert used["cached"] == "cached"
    assert used["stored"] == "stored"
    assert "Subject: Probe subject" in result.stdout  # the console shows the email
    assert used["message"] == {"probe": 1}
    # Everything in the folder for the app's own files.
    assert (tmp_path / "elearn.sqlite3").is_file()
    assert (tmp_path / "media" / "probe.txt").read_bytes() == b"stored"
    assert (tmp_path / "broker").is_dir()


# What settings.py makes of the variables the README documents. Using these backends needs
# servers (SMTP, S3) the suite does not have: PostgreSQL and Redis are used by CI's second run.
def test_environment_selects_postgresql_redis_smtp_and_s3(tmp_path):
    shown = settings_with(
        tmp_path,
        DATABASE_URL="postgres://elearn:secret@db.internal:5432/elearn",
        CELERY_BROKER_URL="redis://broker.internal:6379/0",
        CACHE_URL="redis://cache.internal:6379/1",
        EMAIL_URL="smtp://mailer:secret@smtp.internal:587/?tls=True",
        AWS_STORAGE_BUCKET_NAME="elearn-media",
    )
    assert shown["engine"] == "django.db.backends.postgresql"
    assert shown["db_name"] == "elearn"
    assert shown["broker"] == "redis://broker.internal:6379/0"
    assert shown["transport"] == {}
    assert shown["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert shown["email"] == "django.core.mail.backends.smtp.EmailBackend"
    assert shown["media"] == "storages.backends.s3.S3Storage"


def test_rabbitmq_broker_url_is_used_as_given(tmp_path):
    shown = settings_with(tmp_path, CELERY_BROKER_URL="amqp://guest:guest@127.0.0.1:5672//")
    assert shown["broker"] == "amqp://guest:guest@127.0.0.1:5672//"


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS"])
def test_production_without_required_setting_stops_with_one_line_explanation(tmp_path, missing):
    env = {**PRODUCTION, "ELEARN_VAR_DIR": str(tmp_path)}
    del env[missing]
    result = run_python(SHOW, env)
    assert result.returncode != 0
    assert f"{missing} is not set" in result.stderr
    assert "DEBUG=1" in result.stderr


def test_debug_runs_without_secret_key_or_hosts(tmp_path):
    result = run_python(
        SHOW, {"DEBUG": "1", "ELEARN_READ_DOTENV": "0", "ELEARN_VAR_DIR": str(tmp_path)}
    )
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout.strip().splitlines()[-1])
    assert shown["debug"] is True
    assert shown["verification"] == "optional"


def test_deploy_check_passes_with_production_variables(tmp_path):
    result = run_python(
        None,
        {**PRODUCTION, "ELEARN_VAR_DIR": str(tmp_path)},
        "manage.py",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    "env",
    [
        pytest.param({}, id="production"),
        pytest.param({"DEBUG": "1", "SECRET_KEY": "", "ALLOWED_HOSTS": ""}, id="debug"),
    ],
)
def test_importing_settings_creates_no_folder(tmp_path, env):
    var = tmp_path / "var"
    result = run_python("import elearn.settings", {**PRODUCTION, "ELEARN_VAR_DIR": str(var), **env})
    assert result.returncode == 0, result.stderr
    assert list(tmp_path.iterdir()) == []


def test_with_servers_for_everything_starting_django_creates_no_folder(tmp_path):
    var = tmp_path / "var"
    shown = settings_with(
        var,
        DATABASE_URL="postgres://elearn:secret@db.example.org:5432/elearn",
        CELERY_BROKER_URL="redis://redis.example.org:6379/0",
    )
    assert shown["engine"] == "django.db.backends.postgresql"
    assert not var.exists()


def test_the_embedded_database_makes_its_folder_when_the_app_starts(tmp_path):
    var = tmp_path / "var"
    code = (
        "import django; django.setup(); from django.db import connection; "
        "connection.ensure_connection(); print(connection.settings_dict['NAME'])"
    )
    result = run_python(code, {**PRODUCTION, "ELEARN_VAR_DIR": str(var)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(var / "elearn.sqlite3")
    assert (var / "elearn.sqlite3").is_file()
    assert not (var / "static").exists() and not (var / "broker").exists()


def test_api_tokens_live_ten_hours_unless_told_otherwise(tmp_path):
    code = (
        "import django; django.setup(); from knox.settings import knox_settings; "
        "print(int(knox_settings.TOKEN_TTL.total_seconds()), knox_settings.AUTO_REFRESH)"
    )
    env = {**PRODUCTION, "ELEARN_VAR_DIR": str(tmp_path)}
    default = run_python(code, env)
    assert default.returncode == 0, default.stderr
    assert default.stdout.split() == [str(10 * 3600), "False"]
    longer = run_python(code, {**env, "API_TOKEN_TTL_HOURS": "720"})
    assert longer.stdout.split() == [str(720 * 3600), "False"]


@pytest.mark.parametrize("hours", ["0", "-5"])
def test_api_tokens_that_never_expire_stop_start_up(tmp_path, hours):
    result = run_python(
        "import elearn.settings",
        {**PRODUCTION, "ELEARN_VAR_DIR": str(tmp_path), "API_TOKEN_TTL_HOURS": hours},
    )
    assert result.returncode != 0
    assert "API_TOKEN_TTL_HOURS must be 1 or more" in result.stderr


def test_activity_retention_is_24_months_unless_set(tmp_path):
    code = "import elearn.settings as s; print(s.ACTIVITY_RETENTION_MONTHS)"
    env = {**PRODUCTION, "ELEARN_VAR_DIR": str(tmp_path)}
    assert run_python(code, env).stdout.split() == ["24"]
    assert run_python(code, {**env, "ACTIVITY_RETENTION_MONTHS": "6"}).stdout.split() == ["6"]


def test_a_retention_of_no_months_stops_start_up(tmp_path):
    result = run_python(
        "import elearn.settings",
        {**PRODUCTION, "ELEARN_VAR_DIR": str(tmp_path), "ACTIVITY_RETENTION_MONTHS": "0"},
    )
    assert result.returncode != 0
    assert "ACTIVITY_RETENTION_MONTHS must be 1 or more" in result.stderr
