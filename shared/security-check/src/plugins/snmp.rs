//! SNMP: B508 `snmp_insecure_version` (v1/v2c), B509 `snmp_weak_cryptography`.

use validator_domain::{Confidence, Severity};

use crate::context::{CallContext, Issue};
use crate::rules::Rule;

pub(crate) fn snmp_insecure_version(context: &CallContext<'_, '_>) -> Option<Issue> {
    if context.qualname != "pysnmp.hlapi.CommunityData" {
        return None;
    }
    let model = context.call_arg_value("mpModel")?;
    (model.eq_int(0) || model.eq_int(1)).then(|| {
        Issue::new(
            Rule::B508,
            Severity::Medium,
            Confidence::High,
            "The use of SNMPv1 and SNMPv2 is insecure. You should use SNMPv3 if able.",
        )
        .at_line(context.lineno_for_call_arg("CommunityData"))
    })
}

pub(crate) fn snmp_weak_cryptography(context: &CallContext<'_, '_>) -> Option<Issue> {
    (context.qualname == "pysnmp.hlapi.UsmUserData" && context.args().len() < 3).then(|| {
        Issue::new(
            Rule::B509,
            Severity::Medium,
            Confidence::High,
            "You should not use SNMPv3 without encryption. noAuthNoPriv & authNoPriv is insecure",
        )
        .at_line(context.lineno_for_call_arg("UsmUserData"))
    })
}
