//! Bandit's test plugins (`bandit/plugins/*.py`), one file per plugin family, and the lists of
//! tests run on each node kind.

pub(crate) mod asserts;
mod crypto_keys;
mod django;
mod exec;
mod flask;
mod hashlib;
mod huggingface;
mod markupsafe;
mod paramiko;
pub(crate) mod passwords;
mod permissions;
mod pytorch;
mod requests;
mod shell;
mod snmp;
mod sql;
mod ssl_tls;
mod strings;
mod tarfile;
mod templates;
pub(crate) mod trojansource;
pub(crate) mod try_except;
mod wildcard;
mod yaml;

use crate::context::{CallContext, FunctionContext, Issue, StrContext};

type CallTest = fn(&CallContext<'_, '_>) -> Option<Issue>;

const CALL_TESTS: &[CallTest] = &[
    flask::flask_debug_true,
    requests::request_with_no_cert_validation,
    requests::request_without_timeout,
    exec::exec_used,
    permissions::set_bad_file_permissions,
    passwords::hardcoded_password_funcarg,
    paramiko::paramiko_calls,
    shell::subprocess_popen_with_shell_equals_true,
    shell::subprocess_without_shell_equals_true,
    shell::any_other_function_with_shell_equals_true,
    shell::start_process_with_a_shell,
    shell::start_process_with_no_shell,
    shell::start_process_with_partial_path,
    hashlib::hashlib,
    wildcard::linux_commands_wildcard_injection,
    django::django_extra_used,
    django::django_rawsql_used,
    ssl_tls::ssl_with_bad_version,
    ssl_tls::ssl_with_no_version,
    templates::jinja2_autoescape_false,
    templates::use_of_mako_templates,
    django::django_mark_safe,
    crypto_keys::weak_cryptographic_key,
    yaml::yaml_load,
    paramiko::ssh_no_host_key_verification,
    snmp::snmp_insecure_version,
    snmp::snmp_weak_cryptography,
    requests::logging_config_insecure_listen,
    tarfile::tarfile_unsafe_members,
    pytorch::pytorch_load,
    markupsafe::markupsafe_markup_xss,
    huggingface::huggingface_unsafe_download,
    crate::blacklist::calls::blacklisted_call,
];

pub(crate) fn call_tests(context: &CallContext<'_, '_>) -> Vec<Issue> {
    CALL_TESTS.iter().filter_map(|test| test(context)).collect()
}

type StrTest = fn(&StrContext<'_, '_>) -> Option<Issue>;

const STR_TESTS: &[StrTest] = &[
    strings::hardcoded_bind_all_interfaces,
    passwords::hardcoded_password_string,
    strings::hardcoded_tmp_directory,
    sql::hardcoded_sql_expressions,
];

pub(crate) fn str_tests(context: &StrContext<'_, '_>) -> Vec<Issue> {
    STR_TESTS.iter().filter_map(|test| test(context)).collect()
}

pub(crate) fn function_tests(context: &FunctionContext<'_>) -> Vec<Issue> {
    [
        passwords::hardcoded_password_default(context),
        ssl_tls::ssl_with_bad_defaults(context),
    ]
    .into_iter()
    .flatten()
    .collect()
}
