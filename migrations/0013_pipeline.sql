-- The sync job's journal of amoCRM writes that cannot be repeated safely (a created lead, a
-- repeat-request note, posted calls): a retry after a failure before the event's final D1 batch
-- reads it instead of writing to amoCRM again. JSON, null until such a write happened.
ALTER TABLE events ADD COLUMN progress TEXT;
