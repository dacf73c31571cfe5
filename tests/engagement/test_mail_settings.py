"""Mail settings from SALESMIND_* variables: defaults, ports by security, clear errors."""

from __future__ import annotations

import pytest

from salesmind.core.errors import ConfigError
from salesmind.core.settings import MailSettings


def test_defaults_and_ports_follow_the_security() -> None:
    default = MailSettings.from_env({})
    assert (default.smtp_host, default.smtp_port, default.smtp_security, default.per_minute) == ("", 587, "starttls", 60)
    assert default.public_url == "http://127.0.0.1:8000"
    assert MailSettings.from_env({"SALESMIND_SMTP_SECURITY": "SSL"}).smtp_port == 465
    assert MailSettings.from_env({"SALESMIND_SMTP_SECURITY": "none"}).smtp_port == 25
    custom = MailSettings.from_env({"SALESMIND_SMTP_HOST": "mx", "SALESMIND_SMTP_PORT": "2525",
                                    "SALESMIND_PUBLIC_URL": "https://crm.example/", "SALESMIND_MAIL_PER_MINUTE": "0"})
    assert (custom.smtp_host, custom.smtp_port, custom.public_url, custom.per_minute) == ("mx", 2525,
                                                                                         "https://crm.example", 0)


@pytest.mark.parametrize("env, named", [({"SALESMIND_SMTP_SECURITY": "tls1.3"}, "SALESMIND_SMTP_SECURITY"),
                                        ({"SALESMIND_SMTP_PORT": "smtp"}, "SALESMIND_SMTP_PORT"),
                                        ({"SALESMIND_MAIL_PER_MINUTE": "-1"}, "SALESMIND_MAIL_PER_MINUTE")])
def test_a_bad_value_names_its_variable(env: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        MailSettings.from_env(env)
