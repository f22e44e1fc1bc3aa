//! Object management on the rs/rsf hosts: stat, delete, move, copy, list.

use serde::Deserialize;
use serde_json::Value;

use crate::client::{Client, read_json};
use crate::credentials::encoded_entry;
use crate::retry::with_failover;
use crate::sign::{FORM_CONTENT_TYPE, SignableRequest, qiniu_date};
use crate::{Error, Result};

/// Metadata of a stored object.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectInfo {
    /// Size in bytes.
    pub fsize: u64,
    /// Etag.
    pub hash: String,
    /// MIME type.
    #[serde(default)]
    pub mime_type: String,
    /// Upload time in units of 100 ns since the epoch.
    #[serde(default)]
    pub put_time: i64,
    /// Storage class (0 standard, 1 IA, 2 archive, …).
    #[serde(default, rename = "type")]
    pub file_type: u8,
}

/// One entry of a listing.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListItem {
    /// Object key.
    pub key: String,
    /// Etag.
    pub hash: String,
    /// Size in bytes.
    pub fsize: u64,
    /// MIME type.
    #[serde(default)]
    pub mime_type: String,
    /// Upload time in units of 100 ns.
    #[serde(default)]
    pub put_time: i64,
    /// Storage class.
    #[serde(default, rename = "type")]
    pub file_type: u8,
}

/// One page of a listing.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListPage {
    /// Objects in key order.
    #[serde(default)]
    pub items: Vec<ListItem>,
    /// Pass back as [`ListOptions::marker`] for the next page; `None` when done.
    #[serde(default, deserialize_with = "empty_as_none")]
    pub marker: Option<String>,
    /// Key prefixes rolled up by the delimiter.
    #[serde(default)]
    pub common_prefixes: Vec<String>,
}

fn empty_as_none<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.filter(|s| !s.is_empty()))
}

/// Listing filters.
#[derive(Debug, Clone, Default)]
pub struct ListOptions {
    /// Only keys starting with this prefix.
    pub prefix: Option<String>,
    /// Continue after a previous page.
    pub marker: Option<String>,
    /// Page size (1–1000).
    pub limit: Option<u32>,
    /// Roll up keys sharing a prefix up to this delimiter.
    pub delimiter: Option<String>,
}

#[derive(Clone, Copy)]
enum Service {
    Rs,
    Rsf,
}

impl Client {
    async fn management_call(&self, service: Service, method: &str, path: &str) -> Result<Value> {
        let credentials = self.credentials()?;
        let inner = &self.inner;
        let hosts = match service {
            Service::Rs => inner.region.rs_hosts(),
            Service::Rsf => inner.region.rsf_hosts(),
        };
        let method = reqwest::Method::from_bytes(method.as_bytes())
            .map_err(|e| Error::InvalidArgument(e.to_string()))?;
        let (value, _) = with_failover(hosts, &inner.retry, |host| {
            let method = method.clone();
            async move {
                let url = format!("{host}{path}");
                let date = qiniu_date(inner.clock.now());
                let headers = [("X-Qiniu-Date", date.as_str())];
                let authorization = credentials.qiniu_authorization(&SignableRequest {
                    method: method.as_str(),
                    url: &url,
                    headers: &headers,
                    content_type: Some(FORM_CONTENT_TYPE),
                    body: b"",
                });
                let response = inner
                    .http
                    .request(method, &url)
                    .header("Authorization", authorization)
                    .header("X-Qiniu-Date", date)
                    .header("Content-Type", FORM_CONTENT_TYPE)
                    .send()
                    .await?;
                read_json(response).await
            }
        })
        .await?;
        Ok(value)
    }

    /// Metadata of one object (612 → [`Error::NotFound`]).
    pub async fn stat(&self, bucket: &str, key: &str) -> Result<ObjectInfo> {
        let path = format!("/stat/{}", encoded_entry(bucket, Some(key)));
        let value = self.management_call(Service::Rs, "POST", &path).await?;
        serde_json::from_value(value).map_err(|e| Error::UnexpectedResponse(e.to_string()))
    }

    /// Deletes one object.
    pub async fn delete(&self, bucket: &str, key: &str) -> Result<()> {
        let path = format!("/delete/{}", encoded_entry(bucket, Some(key)));
        self.management_call(Service::Rs, "POST", &path).await?;
        Ok(())
    }

    /// Moves (renames) an object; without `force`, an existing destination gives 614.
    pub async fn move_object(
        &self,
        from: (&str, &str),
        to: (&str, &str),
        force: bool,
    ) -> Result<()> {
        self.transfer("move", from, to, force).await
    }

    /// Copies an object; without `force`, an existing destination gives 614.
    pub async fn copy_object(
        &self,
        from: (&str, &str),
        to: (&str, &str),
        force: bool,
    ) -> Result<()> {
        self.transfer("copy", from, to, force).await
    }

    async fn transfer(
        &self,
        op: &str,
        (from_bucket, from_key): (&str, &str),
        (to_bucket, to_key): (&str, &str),
        force: bool,
    ) -> Result<()> {
        let path = format!(
            "/{op}/{}/{}/force/{force}",
            encoded_entry(from_bucket, Some(from_key)),
            encoded_entry(to_bucket, Some(to_key)),
        );
        self.management_call(Service::Rs, "POST", &path).await?;
        Ok(())
    }

    /// One page of the objects in a bucket.
    pub async fn list(&self, bucket: &str, options: &ListOptions) -> Result<ListPage> {
        let mut query = vec![("bucket", bucket.to_owned())];
        let optional = [
            ("prefix", options.prefix.clone()),
            ("marker", options.marker.clone()),
            ("limit", options.limit.map(|l| l.to_string())),
            ("delimiter", options.delimiter.clone()),
        ];
        query.extend(optional.into_iter().filter_map(|(k, v)| Some((k, v?))));
        let encoded: Vec<String> = query
            .iter()
            .map(|(k, v)| {
                format!(
                    "{k}={}",
                    percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC)
                )
            })
            .collect();
        let path = format!("/list?{}", encoded.join("&"));
        let value = self.management_call(Service::Rsf, "GET", &path).await?;
        serde_json::from_value(value).map_err(|e| Error::UnexpectedResponse(e.to_string()))
    }
}
