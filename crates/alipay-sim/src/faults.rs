//! Gateway faults for tests: the next calls of a method fail as a real network or gateway can.

use serde::Deserialize;
use std::collections::VecDeque;

/// How a gateway call fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GatewayFaultMode {
    /// HTTP 503 before anything happens: the call had no effect.
    Unavailable,
    /// The call takes effect, then HTTP 504: the merchant never sees the answer.
    LostAnswer,
}

/// A fault for the next `times` calls of `method` (e.g. `alipay.trade.refund`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct GatewayFault {
    /// The gateway method it hits.
    pub method: String,
    /// How those calls fail.
    pub mode: GatewayFaultMode,
    /// How many calls it hits.
    pub times: u32,
}

/// The faults waiting for their calls.
#[derive(Debug, Default)]
pub(crate) struct GatewayFaults {
    pending: VecDeque<GatewayFault>,
}

impl GatewayFaults {
    pub(crate) fn push(&mut self, fault: GatewayFault) {
        if fault.times > 0 {
            self.pending.push_back(fault);
        }
    }

    /// Takes one hit of the first fault for `method`, if any.
    pub(crate) fn take(&mut self, method: &str) -> Option<GatewayFaultMode> {
        let index = self.pending.iter().position(|f| f.method == method)?;
        let fault = self.pending.get_mut(index)?;
        let mode = fault.mode;
        fault.times -= 1;
        if fault.times == 0 {
            self.pending.remove(index);
        }
        Some(mode)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fault_hits_its_method_as_often_as_asked() {
        let mut faults = GatewayFaults::default();
        faults.push(GatewayFault {
            method: "alipay.trade.refund".into(),
            mode: GatewayFaultMode::LostAnswer,
            times: 2,
        });
        assert_eq!(faults.take("alipay.trade.query"), None);
        assert_eq!(
            faults.take("alipay.trade.refund"),
            Some(GatewayFaultMode::LostAnswer)
        );
        assert_eq!(
            faults.take("alipay.trade.refund"),
            Some(GatewayFaultMode::LostAnswer)
        );
        assert_eq!(faults.take("alipay.trade.refund"), None);
    }
}
