//! Orders in the database: the row `create` returns is the row stored.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use luffy_db::account::{NewUser, UserRow};
use luffy_db::catalog::CourseRow;
use luffy_db::orders::{NewOrder, Orders};
use luffy_db::{DatabaseUrl, DbConnection, run_migrations};
use luffy_domain::Money;
use luffy_domain::catalog::CoursePatch;
use luffy_domain::order::{CartItem, PricedCart};

#[test]
fn the_created_order_is_the_stored_order() {
    let dir = tempfile::tempdir().unwrap();
    let url =
        DatabaseUrl::parse(&format!("sqlite://{}", dir.path().join("o.db").display())).unwrap();
    run_migrations(&url).unwrap();
    let mut conn = DbConnection::open(&url).unwrap();
    let now = chrono::DateTime::from_timestamp(1_800_000_000, 123_000_000)
        .unwrap()
        .naive_utc();
    let user = UserRow::insert(
        &mut conn,
        &NewUser {
            username: "buyer".into(),
            password_hash: "x".into(),
            mobile: None,
            email: None,
            icon: None,
            is_staff: false,
            is_superuser: false,
            is_active: true,
            date_joined: now,
        },
    )
    .unwrap();
    let course = CourseRow::create(
        &mut conn,
        &CoursePatch::parse_new(&serde_json::json!({"name": "Linux", "price": "99.00"})).unwrap(),
        now,
    )
    .unwrap();
    let price: Money = "99.00".parse().unwrap();
    let order = NewOrder {
        out_trade_no: "20270115080000123_00000001".into(),
        user_id: user.id,
        subject: "Linux".into(),
        pay_type: 1,
        cart: PricedCart {
            items: vec![CartItem {
                course_id: course.id,
                name: "Linux".into(),
                price,
                real_price: price,
            }],
            total: price,
        },
        now,
        expires_at: now + chrono::Duration::minutes(30),
        first_sweep: now + chrono::Duration::minutes(1),
    };
    let created = Orders::create(&mut conn, &order).unwrap();
    let stored = Orders::by_out_trade_no(&mut conn, &order.out_trade_no)
        .unwrap()
        .unwrap();
    assert_eq!(created, stored);
    let lines = Orders::lines(&mut conn, &[created.id]).unwrap();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0].real_price, price);
    // The order number is unique.
    assert!(
        Orders::create(&mut conn, &order)
            .unwrap_err()
            .is_unique_violation()
    );
}

#[test]
fn a_write_transaction_inside_another_is_a_savepoint() {
    use diesel::prelude::*;
    use luffy_db::schema::luffy_user;
    let dir = tempfile::tempdir().unwrap();
    let url =
        DatabaseUrl::parse(&format!("sqlite://{}", dir.path().join("t.db").display())).unwrap();
    run_migrations(&url).unwrap();
    let mut conn = DbConnection::open(&url).unwrap();
    let user = |name: &str| NewUser {
        username: name.into(),
        password_hash: "x".into(),
        mobile: None,
        email: None,
        icon: None,
        is_staff: false,
        is_superuser: false,
        is_active: true,
        date_joined: chrono::Utc::now().naive_utc(),
    };
    luffy_db::write_transaction(&mut conn, |conn| {
        UserRow::insert(conn, &user("kept"))?;
        let inner: Result<(), luffy_db::DbError> = luffy_db::write_transaction(conn, |conn| {
            UserRow::insert(conn, &user("undone"))?;
            Err(luffy_db::DbError::NotFound("on purpose"))
        });
        assert!(inner.is_err());
        Ok::<_, luffy_db::DbError>(())
    })
    .unwrap();
    let names: Vec<String> = luffy_user::table
        .select(luffy_user::username)
        .load(&mut conn)
        .unwrap();
    assert_eq!(names, vec!["kept".to_owned()]);
}
