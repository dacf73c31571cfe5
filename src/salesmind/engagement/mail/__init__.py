"""Mail for real: an outbox delivered through SMTP (retries, no duplicates), unsubscribe links, suppression, inbound mail.

Other code queues mail with :func:`enqueue` and checks :func:`can_email`; ``salesmind mail send-due`` (or the
API) runs :func:`deliver`; :func:`process_inbound` handles replies and bounces.
"""

from salesmind.engagement.mail.outbox import DeliveryCounts, RetryPolicy, deliver, enqueue
from salesmind.engagement.mail.suppression import address_hash, can_email, is_suppressed, suppress
from salesmind.engagement.mail.transport import SendError, SMTPTransport

__all__ = ["DeliveryCounts", "RetryPolicy", "SMTPTransport", "SendError", "address_hash", "can_email", "deliver",
           "enqueue", "is_suppressed", "suppress"]
