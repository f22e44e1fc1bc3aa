-- Accounts. Passwords are argon2 PHC strings; the icon is a storage key, resolved to a URL on output.
CREATE TABLE luffy_user (
    id BIGSERIAL PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    mobile TEXT UNIQUE,
    email TEXT,
    icon TEXT,
    is_staff BOOLEAN NOT NULL DEFAULT FALSE,
    is_superuser BOOLEAN NOT NULL DEFAULT FALSE,
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    date_joined TIMESTAMP NOT NULL,
    last_login TIMESTAMP
);
CREATE INDEX luffy_user_email ON luffy_user (email);
