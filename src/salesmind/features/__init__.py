"""Point-in-time features from the CRM store, shared by every model.

Every feature is computed *as of* a cut-off time per record: only events strictly before the
cut-off are read, so a model trained on these frames never sees the future.
"""

from salesmind.features.deals import deal_features, deal_training_frame
from salesmind.features.frames import load_events
from salesmind.features.leads import LEAD_SNAPSHOT_AGES, LEAD_WINDOWS, lead_features, lead_training_frame

__all__ = ["LEAD_SNAPSHOT_AGES", "LEAD_WINDOWS", "deal_features", "deal_training_frame", "lead_features",
           "lead_training_frame", "load_events"]
