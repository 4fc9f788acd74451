DROP TABLE event_cancellations;
