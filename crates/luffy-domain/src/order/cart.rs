//! Pricing a cart on the server. The client's total is only a guard.

use crate::Money;
use serde_json::Value;
use std::collections::{HashMap, HashSet};

/// The most courses one order may hold.
pub const MAX_CART_COURSES: usize = 50;

/// A course as the shop sells it, loaded from the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CourseForSale {
    /// The course id.
    pub id: i64,
    /// Its name (the order subject is built from names).
    pub name: String,
    /// Its list price.
    pub price: Money,
    /// Published and not deleted.
    pub on_sale: bool,
}

/// One line of a priced order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CartItem {
    /// The course id.
    pub course_id: i64,
    /// The course name.
    pub name: String,
    /// The list price.
    pub price: Money,
    /// What the buyer pays for it (equal to the list price: there are no discounts yet).
    pub real_price: Money,
}

/// A cart that passed every rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PricedCart {
    /// The lines, in the order requested.
    pub items: Vec<CartItem>,
    /// The sum of the real prices.
    pub total: Money,
}

/// Why a cart was refused. Nothing is stored when any rule fails.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CartError {
    /// No course was given.
    #[error("购物车是空的")]
    Empty,
    /// The `courses` field is not a list of course ids.
    #[error("courses: must be a list of course ids")]
    NotAList,
    /// More courses than one order may hold.
    #[error("一次最多购买 {MAX_CART_COURSES} 门课程")]
    TooMany,
    /// The same course twice.
    #[error("课程 {0} 重复")]
    Duplicate(i64),
    /// No such course, or it is hidden or deleted.
    #[error("课程 {0} 不存在或已下架")]
    NotForSale(i64),
    /// The buyer already owns it.
    #[error("您已购买过课程 {0}")]
    AlreadyOwned(i64),
    /// The client's total differs from the server's price.
    #[error("价格有误！！")]
    TotalMismatch {
        /// The server's total.
        expected: Money,
        /// What the client sent.
        given: Money,
    },
    /// Free courses are not sold through Alipay (its minimum is 0.01).
    #[error("订单金额必须大于 0")]
    Free,
    /// The total exceeds what one trade can carry.
    #[error("订单金额过大")]
    TooLarge,
}

/// The course ids of a cart as the client sends them: a JSON list of ids (numbers or their
/// decimal text) of at most [`MAX_CART_COURSES`] entries. A longer list is refused before any
/// of it is read.
pub fn cart_course_ids(value: &Value) -> Result<Vec<i64>, CartError> {
    let items = value.as_array().ok_or(CartError::NotAList)?;
    if items.len() > MAX_CART_COURSES {
        return Err(CartError::TooMany);
    }
    items
        .iter()
        .map(|item| match item {
            Value::Number(n) => n.as_i64().ok_or(CartError::NotAList),
            Value::String(s) => s.trim().parse().map_err(|_| CartError::NotAList),
            _ => Err(CartError::NotAList),
        })
        .collect()
}

/// Prices `requested` course ids against the catalog.
///
/// Refused: an empty cart, a repeated id, an unknown, hidden or deleted course, a course in
/// `owned`, a total of zero, and a client total that differs from the server's.
pub fn price_cart(
    requested: &[i64],
    catalog: &[CourseForSale],
    owned: &HashSet<i64>,
    client_total: Money,
) -> Result<PricedCart, CartError> {
    if requested.is_empty() {
        return Err(CartError::Empty);
    }
    if requested.len() > MAX_CART_COURSES {
        return Err(CartError::TooMany);
    }
    let by_id: HashMap<i64, &CourseForSale> = catalog.iter().map(|c| (c.id, c)).collect();
    let mut seen = HashSet::new();
    let mut items = Vec::with_capacity(requested.len());
    let mut total = Money::ZERO;
    for &id in requested {
        if !seen.insert(id) {
            return Err(CartError::Duplicate(id));
        }
        let course = by_id
            .get(&id)
            .filter(|course| course.on_sale)
            .ok_or(CartError::NotForSale(id))?;
        if owned.contains(&id) {
            return Err(CartError::AlreadyOwned(id));
        }
        total = total.checked_add(course.price).ok_or(CartError::TooLarge)?;
        items.push(CartItem {
            course_id: id,
            name: course.name.clone(),
            price: course.price,
            real_price: course.price,
        });
    }
    if total.is_zero() {
        return Err(CartError::Free);
    }
    if total != client_total {
        return Err(CartError::TotalMismatch {
            expected: total,
            given: client_total,
        });
    }
    Ok(PricedCart { items, total })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn course(id: i64, fen: i64, on_sale: bool) -> CourseForSale {
        CourseForSale {
            id,
            name: format!("course {id}"),
            price: Money::from_fen(fen).unwrap(),
            on_sale,
        }
    }

    fn money(text: &str) -> Money {
        text.parse().unwrap()
    }

    #[test]
    fn prices_on_the_server() {
        let catalog = [course(1, 9900, true), course(2, 1050, true)];
        let cart = price_cart(&[2, 1], &catalog, &HashSet::new(), money("109.50")).unwrap();
        assert_eq!(cart.total, money("109.50"));
        assert_eq!(
            cart.items.iter().map(|i| i.course_id).collect::<Vec<_>>(),
            vec![2, 1]
        );
    }

    #[test]
    fn cart_ids_are_a_bounded_list() {
        assert_eq!(
            cart_course_ids(&serde_json::json!([1, "2", " 3 "])),
            Ok(vec![1, 2, 3])
        );
        assert_eq!(
            cart_course_ids(&serde_json::json!({"a": 1})),
            Err(CartError::NotAList)
        );
        assert_eq!(
            cart_course_ids(&serde_json::json!([1.5])),
            Err(CartError::NotAList)
        );
        let full: Vec<i64> = (1..=50).collect();
        assert_eq!(cart_course_ids(&serde_json::json!(full)), Ok(full.clone()));
        let over: Vec<i64> = (1..=51).collect();
        assert_eq!(
            cart_course_ids(&serde_json::json!(over)),
            Err(CartError::TooMany)
        );
        assert_eq!(
            price_cart(&over, &[], &HashSet::new(), money("1")),
            Err(CartError::TooMany)
        );
        assert_eq!(CartError::TooMany.to_string(), "一次最多购买 50 门课程");
    }

    #[test]
    fn refuses_every_bad_cart() {
        let catalog = [
            course(1, 9900, true),
            course(3, 500, false),
            course(4, 0, true),
        ];
        let none = HashSet::new();
        let check = |ids: &[i64], owned: &HashSet<i64>, total: &str| {
            price_cart(ids, &catalog, owned, money(total)).unwrap_err()
        };
        assert_eq!(check(&[], &none, "0"), CartError::Empty);
        assert_eq!(check(&[1, 1], &none, "198"), CartError::Duplicate(1));
        assert_eq!(check(&[3], &none, "5"), CartError::NotForSale(3));
        assert_eq!(check(&[42], &none, "1"), CartError::NotForSale(42));
        assert_eq!(
            check(&[1], &HashSet::from([1]), "99"),
            CartError::AlreadyOwned(1)
        );
        assert_eq!(check(&[4], &none, "0"), CartError::Free);
        assert_eq!(
            check(&[1], &none, "0.01"),
            CartError::TotalMismatch {
                expected: money("99"),
                given: money("0.01")
            }
        );
        assert_eq!(
            CartError::TotalMismatch {
                expected: money("1"),
                given: money("2")
            }
            .to_string(),
            "价格有误！！"
        );
    }
}
