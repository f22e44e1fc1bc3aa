//! Refusing guessable new passwords: the most common ones (an embedded list), runs such as
//! `aaaaaa` or `abcdef`/`987654`, and passwords that contain the account's own username or
//! mobile.

use crate::DomainError;

/// The most common passwords of six characters or more (shorter ones are refused by length),
/// lower-cased: the top of the published leak lists, with the ones common in China (pinyin,
/// dates, `5201314`, keyboard walks).
const COMMON: &[&str] = &[
    "123456",
    "1234567",
    "12345678",
    "123456789",
    "1234567890",
    "0123456789",
    "111111",
    "1111111",
    "11111111",
    "000000",
    "00000000",
    "123123",
    "123321",
    "654321",
    "666666",
    "888888",
    "8888888",
    "88888888",
    "112233",
    "121212",
    "123654",
    "147258",
    "147258369",
    "159357",
    "159753",
    "163.com",
    "1314520",
    "5201314",
    "520520",
    "521521",
    "woaini",
    "woaini1314",
    "woaini520",
    "iloveyou",
    "password",
    "password1",
    "password123",
    "passw0rd",
    "p@ssw0rd",
    "qwerty",
    "qwerty123",
    "qwertyuiop",
    "qweasd",
    "qweasdzxc",
    "1qaz2wsx",
    "1q2w3e4r",
    "1q2w3e",
    "1q2w3e4r5t",
    "q1w2e3r4",
    "zxcvbn",
    "zxcvbnm",
    "asdfgh",
    "asdfghjkl",
    "qazwsx",
    "abc123",
    "abc123456",
    "a123456",
    "a12345678",
    "aa123456",
    "123456a",
    "123456aa",
    "123456abc",
    "abcd1234",
    "1234abcd",
    "admin123",
    "admin888",
    "administrator",
    "root123",
    "test123",
    "welcome",
    "welcome1",
    "letmein",
    "monkey",
    "dragon",
    "football",
    "baseball",
    "superman",
    "batman",
    "master",
    "shadow",
    "sunshine",
    "princess",
    "charlie",
    "michael",
    "jordan23",
    "trustno1",
    "starwars",
    "whatever",
    "freedom",
    "computer",
    "internet",
    "killer",
    "hello123",
    "iloveu",
    "lovely",
    "loveyou",
    "mustang",
    "ninja",
    "azerty",
    "000000a",
    "aini1314",
    "zhang123",
    "wang123",
    "li123456",
    "liu123456",
    "chen123",
    "zhangwei",
    "wangwei",
    "zhanghao",
    "woaiwojia",
    "wodemima",
    "mima123",
    "mimamima",
    "luffy123",
    "luffycity",
    "oldboy",
    "oldboy123",
    "django",
    "python",
    "python123",
    "changeme",
    "secret",
    "secret123",
    "default",
    "guest123",
];

/// Refuses a new `password` that is common, a run of one character or of consecutive
/// characters, or that contains one of the account's `identities` (its username and mobile;
/// those shorter than three characters are ignored).
pub fn check_new_password(password: &str, identities: &[&str]) -> Result<(), DomainError> {
    let lower = password.to_lowercase();
    if COMMON.contains(&lower.as_str()) || is_run(&lower) {
        return Err(DomainError::invalid("password", "密码过于常见，请换一个"));
    }
    let contains_identity = identities
        .iter()
        .map(|identity| identity.trim().to_lowercase())
        .filter(|identity| identity.chars().count() >= 3)
        .any(|identity| lower.contains(&identity));
    if contains_identity {
        return Err(DomainError::invalid(
            "password",
            "密码不能包含用户名或手机号",
        ));
    }
    Ok(())
}

/// One character repeated, or characters that each follow the last by the same step of -1,
/// 0 or +1 (`aaaaaa`, `abcdefg`, `987654`).
fn is_run(text: &str) -> bool {
    let codes: Vec<i64> = text.chars().map(|c| i64::from(u32::from(c))).collect();
    let Some(step) = codes.windows(2).next().map(|pair| pair[1] - pair[0]) else {
        return true;
    };
    (-1..=1).contains(&step) && codes.windows(2).all(|pair| pair[1] - pair[0] == step)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_and_personal_passwords_are_refused() {
        for common in [
            "123456",
            "Password",
            "woaini1314",
            "QWERTY123",
            "aaaaaaaa",
            "abcdefgh",
            "98765432",
        ] {
            let err = check_new_password(common, &[]).unwrap_err();
            assert_eq!(
                err.to_string(),
                "password: 密码过于常见，请换一个",
                "{common}"
            );
        }
        let mine = ["alex", "13800138000"];
        for personal in ["alex2024!", "xALEXx-pass", "13800138000", "my13800138000"] {
            let err = check_new_password(personal, &mine).unwrap_err();
            assert_eq!(
                err.to_string(),
                "password: 密码不能包含用户名或手机号",
                "{personal}"
            );
        }
        for fine in ["correct horse battery", "Lu-fei!2026x", "q7#Lm2pX"] {
            assert!(check_new_password(fine, &mine).is_ok(), "{fine}");
        }
        // Identities too short to mean anything are ignored.
        assert!(check_new_password("ab-long-password", &["ab"]).is_ok());
    }
}
