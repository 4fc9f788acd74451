DROP TABLE transit_readers;

ALTER TABLE donations DROP COLUMN public_name;

DROP TABLE program_organizers;

ALTER TABLE programs DROP COLUMN max_points_per_event;
