-- Alerts speak both languages: `message` holds the Bahasa Indonesia text, `message_en` the
-- English one (NULL for alerts raised before; they show `message`).
ALTER TABLE alerts ADD COLUMN message_en TEXT;
