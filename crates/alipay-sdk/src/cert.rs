//! Certificate mode (公钥证书模式): certificate serial numbers and the Alipay key from its certificate.
//!
//! `cert_sn = md5_hex(issuer DN in RFC 2253 form + decimal serial)`. The root SN joins the SNs of
//! every certificate in `alipayRootCert.crt` whose signature algorithm is in the RSA family
//! (`1.2.840.113549.1.1.*`) with `_`, in file order. CRLF line ends and trailing newlines are fine.

use md5::{Digest, Md5};
use x509_parser::certificate::X509Certificate;
use x509_parser::der_parser::asn1_rs::ToDer;
use x509_parser::prelude::{FromDer, X509Name};

use crate::error::{Error, Result};
use crate::keys::{KeyFormat, PublicKey};

/// `app_cert_sn` and `alipay_root_cert_sn`, sent with every request in certificate mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertSerials {
    /// SN of the app public-key certificate (`appCertPublicKey_<appid>.crt`).
    pub app_cert_sn: String,
    /// SN list of the Alipay root bundle (`alipayRootCert.crt`).
    pub alipay_root_cert_sn: String,
}

impl CertSerials {
    /// Computes both serials from the certificate files' text.
    pub fn from_pem(app_cert_pem: &str, alipay_root_cert_pem: &str) -> Result<Self> {
        Ok(CertSerials {
            app_cert_sn: cert_sn(app_cert_pem)?,
            alipay_root_cert_sn: root_cert_sn(alipay_root_cert_pem)?,
        })
    }
}

fn cert_error(what: impl std::fmt::Display) -> Error {
    Error::Certificate(what.to_string())
}

/// The DER bodies of every `CERTIFICATE` block in `text`, in order.
fn certificate_ders(text: &str) -> Result<Vec<Vec<u8>>> {
    let normalised = text
        .trim_start_matches('\u{feff}')
        .replace("\r\n", "\n")
        .replace('\r', "\n");
    let blocks = pem::parse_many(normalised.as_bytes())
        .map_err(|error| cert_error(format!("not PEM: {error}")))?;
    let ders: Vec<Vec<u8>> = blocks
        .into_iter()
        .filter(|block| block.tag() == "CERTIFICATE")
        .map(|block| block.into_contents())
        .collect();
    if ders.is_empty() {
        return Err(cert_error("no -----BEGIN CERTIFICATE----- block found"));
    }
    Ok(ders)
}

fn parse_der(der: &[u8]) -> Result<X509Certificate<'_>> {
    X509Certificate::from_der(der)
        .map(|(_, cert)| cert)
        .map_err(|error| cert_error(format!("not an X.509 certificate: {error}")))
}

/// RFC 2253 form of a name (most specific RDN first), as Java's `X500Principal.getName()` writes it.
pub fn rfc2253_name(name: &X509Name<'_>) -> String {
    let mut rdns: Vec<String> = Vec::new();
    for rdn in name.iter_rdn() {
        let attributes: Vec<String> = rdn
            .iter()
            .map(|attribute| {
                let oid = attribute.attr_type().to_id_string();
                let short = match oid.as_str() {
                    "2.5.4.3" => Some("CN"),
                    "2.5.4.6" => Some("C"),
                    "2.5.4.7" => Some("L"),
                    "2.5.4.8" => Some("ST"),
                    "2.5.4.9" => Some("STREET"),
                    "2.5.4.10" => Some("O"),
                    "2.5.4.11" => Some("OU"),
                    "0.9.2342.19200300.100.1.25" => Some("DC"),
                    "0.9.2342.19200300.100.1.1" => Some("UID"),
                    _ => None,
                };
                match (short, attribute.as_str()) {
                    (Some(short), Ok(value)) => format!("{short}={}", escape_rfc2253(value)),
                    _ => {
                        let hex: String = attribute
                            .attr_value()
                            .to_der_vec()
                            .unwrap_or_default()
                            .iter()
                            .map(|b| format!("{b:02x}"))
                            .collect();
                        format!("{oid}=#{hex}")
                    }
                }
            })
            .collect();
        rdns.push(attributes.join("+"));
    }
    rdns.reverse();
    rdns.join(",")
}

fn escape_rfc2253(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let last = value.chars().count().saturating_sub(1);
    for (index, character) in value.chars().enumerate() {
        let needs_escape = matches!(character, ',' | '+' | '"' | '\\' | '<' | '>' | ';')
            || (index == 0 && (character == '#' || character == ' '))
            || (index == last && character == ' ');
        if needs_escape {
            out.push('\\');
        }
        out.push(character);
    }
    out
}

fn sn_of(cert: &X509Certificate<'_>) -> String {
    let text = format!("{}{}", rfc2253_name(cert.issuer()), cert.serial);
    Md5::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// SN of a single certificate (PEM text; the first certificate in the text is used).
pub fn cert_sn(pem_text: &str) -> Result<String> {
    let ders = certificate_ders(pem_text)?;
    let der = ders.first().ok_or_else(|| cert_error("no certificate"))?;
    Ok(sn_of(&parse_der(der)?))
}

/// `alipay_root_cert_sn` of a root bundle: RSA-signed certificates only, joined by `_`.
pub fn root_cert_sn(bundle_pem: &str) -> Result<String> {
    let mut serials = Vec::new();
    for der in certificate_ders(bundle_pem)? {
        let cert = parse_der(&der)?;
        if cert
            .signature_algorithm
            .algorithm
            .to_id_string()
            .starts_with("1.2.840.113549.1.1")
        {
            serials.push(sn_of(&cert));
        }
    }
    if serials.is_empty() {
        return Err(cert_error("the root bundle has no RSA-signed certificate"));
    }
    Ok(serials.join("_"))
}

/// The RSA public key inside a certificate (e.g. `alipayCertPublicKey_RSA2.crt`).
pub fn public_key_from_cert(pem_text: &str) -> Result<PublicKey> {
    let ders = certificate_ders(pem_text)?;
    let der = ders.first().ok_or_else(|| cert_error("no certificate"))?;
    public_key_from_der(der)
}

pub(crate) fn public_key_from_der(der: &[u8]) -> Result<PublicKey> {
    let cert = parse_der(der)?;
    let key = PublicKey::from_spki_der(cert.public_key().raw)?;
    PublicKey::from_rsa(key.rsa().clone(), KeyFormat::PemCertificate)
}
