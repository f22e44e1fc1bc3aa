//! The tables, written by hand in types both backends share: `BigInt` ids, `Text`, `Bool`,
//! `Timestamp` (naive UTC by convention) and `BigInt` money in fen. A test loads every table on
//! both backends so that this file cannot drift from the migrations unnoticed.

diesel::table! {
    luffy_user (id) {
        id -> BigInt,
        username -> Text,
        password_hash -> Text,
        mobile -> Nullable<Text>,
        email -> Nullable<Text>,
        icon -> Nullable<Text>,
        is_staff -> Bool,
        is_superuser -> Bool,
        is_active -> Bool,
        date_joined -> Timestamp,
        last_login -> Nullable<Timestamp>,
    }
}
