"""The inbound settings: defaults, values read from the environment, and clear errors for bad ones."""

from __future__ import annotations

import pytest

from salesmind.core.errors import ConfigError
from salesmind.core.settings import InboundSettings


def test_defaults_and_values_from_the_environment() -> None:
    assert InboundSettings.from_env({}) == InboundSettings(reply_minutes=5, hot_lead_score=0.5, form_key="",
                                                           sequence="")
    got = InboundSettings.from_env({"SALESMIND_INBOUND_REPLY_MINUTES": "15", "SALESMIND_HOT_LEAD_SCORE": "0.7",
                                    "SALESMIND_FORM_KEY": "site-form_2024", "SALESMIND_INBOUND_SEQUENCE": " Inbound "})
    assert got == InboundSettings(reply_minutes=15, hot_lead_score=0.7, form_key="site-form_2024", sequence="Inbound")


@pytest.mark.parametrize("name, value", [("SALESMIND_INBOUND_REPLY_MINUTES", "0"),
                                         ("SALESMIND_INBOUND_REPLY_MINUTES", "five"),
                                         ("SALESMIND_HOT_LEAD_SCORE", "1.5"), ("SALESMIND_HOT_LEAD_SCORE", "hot"),
                                         ("SALESMIND_FORM_KEY", "short"), ("SALESMIND_FORM_KEY", "has spaces in it")])
def test_bad_values_name_the_setting(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        InboundSettings.from_env({name: value})
