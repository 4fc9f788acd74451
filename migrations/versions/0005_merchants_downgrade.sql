DROP TABLE settlement_lines;

DROP TABLE settlements;

DROP TABLE cashback_campaigns;

DROP TABLE webhook_outbox;

DROP TABLE webhook_endpoints;

DROP TABLE refunds;

DROP TABLE payments;

DROP TABLE payment_requests;

DROP TABLE merchants;
