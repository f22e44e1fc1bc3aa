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
        token_version -> BigInt,
    }
}

diesel::table! {
    luffy_teacher (id) {
        id -> BigInt,
        name -> Text,
        role -> Integer,
        title -> Text,
        signature -> Nullable<Text>,
        image -> Nullable<Text>,
        brief -> Text,
        is_show -> Bool,
        is_delete -> Bool,
        orders -> Integer,
        created_time -> Timestamp,
        updated_time -> Timestamp,
    }
}

diesel::table! {
    luffy_course_category (id) {
        id -> BigInt,
        name -> Text,
        is_show -> Bool,
        is_delete -> Bool,
        orders -> Integer,
        created_time -> Timestamp,
        updated_time -> Timestamp,
    }
}

diesel::table! {
    luffy_course (id) {
        id -> BigInt,
        name -> Text,
        search_name -> Text,
        course_img -> Nullable<Text>,
        course_type -> Integer,
        brief -> Nullable<Text>,
        level -> Integer,
        pub_date -> Timestamp,
        period -> Integer,
        attachment_path -> Nullable<Text>,
        status -> Integer,
        students -> Integer,
        sections -> Integer,
        pub_sections -> Integer,
        price -> BigInt,
        teacher_id -> Nullable<BigInt>,
        course_category_id -> Nullable<BigInt>,
        is_show -> Bool,
        is_delete -> Bool,
        orders -> Integer,
        created_time -> Timestamp,
        updated_time -> Timestamp,
    }
}

diesel::table! {
    luffy_course_chapter (id) {
        id -> BigInt,
        course_id -> BigInt,
        chapter -> Integer,
        name -> Text,
        summary -> Nullable<Text>,
        pub_date -> Timestamp,
        is_show -> Bool,
        is_delete -> Bool,
        orders -> Integer,
        created_time -> Timestamp,
        updated_time -> Timestamp,
    }
}

diesel::table! {
    luffy_course_section (id) {
        id -> BigInt,
        chapter_id -> BigInt,
        course_id -> BigInt,
        name -> Text,
        section_type -> Integer,
        section_link -> Nullable<Text>,
        duration -> Nullable<Text>,
        free_trail -> Bool,
        pub_date -> Timestamp,
        is_show -> Bool,
        is_delete -> Bool,
        orders -> Integer,
        created_time -> Timestamp,
        updated_time -> Timestamp,
    }
}

diesel::table! {
    luffy_course_gram (gram, course_id) {
        gram -> Text,
        course_id -> BigInt,
    }
}

diesel::table! {
    luffy_sms_code (id) {
        id -> BigInt,
        mobile -> Text,
        code -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        attempts -> Integer,
        used -> Bool,
    }
}

diesel::table! {
    luffy_throttle (scope, key) {
        scope -> Text,
        key -> Text,
        window_start -> BigInt,
        hits -> Integer,
    }
}

diesel::table! {
    luffy_marker (name) {
        name -> Text,
        created_time -> Timestamp,
    }
}

diesel::joinable!(luffy_course -> luffy_teacher (teacher_id));
diesel::joinable!(luffy_course -> luffy_course_category (course_category_id));
diesel::joinable!(luffy_course_chapter -> luffy_course (course_id));
diesel::joinable!(luffy_course_section -> luffy_course_chapter (chapter_id));

diesel::allow_tables_to_appear_in_same_query!(
    luffy_user,
    luffy_teacher,
    luffy_course_category,
    luffy_course,
    luffy_course_chapter,
    luffy_course_section,
    luffy_course_gram,
    luffy_sms_code,
    luffy_throttle,
    luffy_marker,
);

diesel::table! {
    luffy_order (id) {
        id -> BigInt,
        out_trade_no -> Text,
        user_id -> BigInt,
        subject -> Text,
        total_amount -> BigInt,
        refunded_amount -> BigInt,
        status -> Text,
        pay_type -> Integer,
        trade_no -> Nullable<Text>,
        buyer_id -> Nullable<Text>,
        pay_time -> Nullable<Timestamp>,
        paid_late -> Bool,
        expires_at -> Timestamp,
        sweep_after -> Timestamp,
        created_time -> Timestamp,
        updated_time -> Timestamp,
    }
}

diesel::table! {
    luffy_order_line (id) {
        id -> BigInt,
        order_id -> BigInt,
        course_id -> BigInt,
        price -> BigInt,
        real_price -> BigInt,
        open_buyer_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    luffy_enrollment (id) {
        id -> BigInt,
        user_id -> BigInt,
        course_id -> BigInt,
        order_id -> BigInt,
        granted_time -> Timestamp,
        revoked_time -> Nullable<Timestamp>,
    }
}

diesel::table! {
    luffy_refund (id) {
        id -> BigInt,
        order_id -> BigInt,
        out_request_no -> Text,
        amount -> BigInt,
        status -> Text,
        reason -> Nullable<Text>,
        detail -> Nullable<Text>,
        created_time -> Timestamp,
        completed_time -> Nullable<Timestamp>,
        automatic -> Bool,
        retry_after -> Nullable<Timestamp>,
        attempts -> Integer,
    }
}

diesel::table! {
    luffy_payment_event (id) {
        id -> BigInt,
        received_time -> Timestamp,
        source -> Text,
        client_addr -> Nullable<Text>,
        out_trade_no -> Nullable<Text>,
        notify_id -> Nullable<Text>,
        trade_status -> Nullable<Text>,
        raw -> Text,
        outcome -> Text,
        detail -> Nullable<Text>,
    }
}

diesel::joinable!(luffy_order_line -> luffy_order (order_id));
diesel::joinable!(luffy_order_line -> luffy_course (course_id));
diesel::joinable!(luffy_enrollment -> luffy_order (order_id));
diesel::joinable!(luffy_refund -> luffy_order (order_id));
diesel::allow_tables_to_appear_in_same_query!(
    luffy_order,
    luffy_order_line,
    luffy_enrollment,
    luffy_refund,
    luffy_payment_event,
    luffy_course,
);

diesel::table! {
    luffy_media_object (key) {
        key -> Text,
        target -> Text,
        target_id -> BigInt,
        size -> BigInt,
        etag -> Text,
        mime -> Text,
        attached_at -> Timestamp,
    }
}

diesel::table! {
    luffy_banner (id) {
        id -> BigInt,
        title -> Text,
        image -> Text,
        link -> Text,
        info -> Text,
        is_show -> Bool,
        is_delete -> Bool,
        orders -> Integer,
        created_time -> Timestamp,
        updated_time -> Timestamp,
    }
}

diesel::table! {
    luffy_cache_version (name) {
        name -> Text,
        version -> BigInt,
    }
}
