"""Forecasting: time-series bookings forecasts and pipeline (Monte Carlo) forecasts of a period.

``open_deals_frame`` / ``closed_deals_frame`` / ``bookings_history`` read the CRM as it stood at a
time; ``PipelineSimulator`` (with ``SlipModel`` and ``RunRate``) forecasts a period from open deals.
"""

from salesmind.forecasting.crm_data import bookings_history, closed_deals_frame, open_deals_frame
from salesmind.forecasting.pipeline import PipelineForecast, PipelineSimulator
from salesmind.forecasting.runrate import RunRate
from salesmind.forecasting.service import run_history_forecast, run_pipeline_forecast
from salesmind.forecasting.slip import SlipModel
from salesmind.forecasting.timeseries import EnsembleForecaster

__all__ = ["EnsembleForecaster", "run_history_forecast", "run_pipeline_forecast", "PipelineForecast", "PipelineSimulator", "RunRate", "SlipModel", "bookings_history",
           "closed_deals_frame", "open_deals_frame"]
