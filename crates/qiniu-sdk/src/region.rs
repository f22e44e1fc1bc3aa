//! Service hosts (upload, io, rs, rsf) with an ordered list per service for failover.

/// Hosts for each Qiniu service. Each host carries its scheme (`https://` is added to bare hosts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    up: Vec<String>,
    io: Vec<String>,
    rs: Vec<String>,
    rsf: Vec<String>,
}

fn normalize(host: &str) -> String {
    let host = host.trim().trim_end_matches('/');
    if host.contains("://") {
        host.to_owned()
    } else {
        format!("https://{host}")
    }
}

fn normalize_all<I, S>(hosts: I) -> Vec<String>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    hosts.into_iter().map(|h| normalize(h.as_ref())).collect()
}

impl Region {
    /// The public layout of a region id (`z0`, `z1`, `z2`, `na0`, `as0`, `cn-east-2`, …), over HTTPS.
    pub fn from_id(id: &str) -> Self {
        if id == "z0" {
            return Self {
                up: normalize_all(["upload.qiniup.com", "up.qiniup.com"]),
                io: normalize_all(["iovip.qiniuio.com"]),
                rs: normalize_all(["rs-z0.qiniuapi.com"]),
                rsf: normalize_all(["rsf-z0.qiniuapi.com"]),
            };
        }
        Self {
            up: normalize_all([
                format!("upload-{id}.qiniup.com"),
                format!("up-{id}.qiniup.com"),
            ]),
            io: normalize_all([format!("iovip-{id}.qiniuio.com")]),
            rs: normalize_all([format!("rs-{id}.qiniuapi.com")]),
            rsf: normalize_all([format!("rsf-{id}.qiniuapi.com")]),
        }
    }

    /// Every service at one base URL, e.g. `http://127.0.0.1:9000` for a local simulator.
    pub fn single_host(base_url: &str) -> Self {
        let hosts = vec![normalize(base_url)];
        Self {
            up: hosts.clone(),
            io: hosts.clone(),
            rs: hosts.clone(),
            rsf: hosts,
        }
    }

    /// Replaces the upload hosts (tried in order).
    pub fn with_up_hosts<I: IntoIterator<Item = S>, S: AsRef<str>>(mut self, hosts: I) -> Self {
        self.up = normalize_all(hosts);
        self
    }
    /// Replaces the download (io) hosts.
    pub fn with_io_hosts<I: IntoIterator<Item = S>, S: AsRef<str>>(mut self, hosts: I) -> Self {
        self.io = normalize_all(hosts);
        self
    }
    /// Replaces the object-management (rs) hosts.
    pub fn with_rs_hosts<I: IntoIterator<Item = S>, S: AsRef<str>>(mut self, hosts: I) -> Self {
        self.rs = normalize_all(hosts);
        self
    }
    /// Replaces the listing (rsf) hosts.
    pub fn with_rsf_hosts<I: IntoIterator<Item = S>, S: AsRef<str>>(mut self, hosts: I) -> Self {
        self.rsf = normalize_all(hosts);
        self
    }

    /// Upload hosts in failover order.
    pub fn up_hosts(&self) -> &[String] {
        &self.up
    }
    /// Download hosts in failover order.
    pub fn io_hosts(&self) -> &[String] {
        &self.io
    }
    /// Management hosts in failover order.
    pub fn rs_hosts(&self) -> &[String] {
        &self.rs
    }
    /// Listing hosts in failover order.
    pub fn rsf_hosts(&self) -> &[String] {
        &self.rsf
    }
}

impl Default for Region {
    fn default() -> Self {
        Self::from_id("z0")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts() {
        let z0 = Region::default();
        assert_eq!(z0.up_hosts()[0], "https://upload.qiniup.com");
        let z2 = Region::from_id("z2");
        assert_eq!(
            z2.up_hosts(),
            ["https://upload-z2.qiniup.com", "https://up-z2.qiniup.com"]
        );
        assert_eq!(z2.rsf_hosts(), ["https://rsf-z2.qiniuapi.com"]);
        let local = Region::single_host("http://127.0.0.1:9/");
        assert_eq!(local.rs_hosts(), ["http://127.0.0.1:9"]);
        let custom = Region::single_host("h").with_up_hosts(["http://a", "b"]);
        assert_eq!(custom.up_hosts(), ["http://a", "https://b"]);
    }
}
