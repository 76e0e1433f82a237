//! The real-plugins list and its driver (infra/real_plugins.py): the list file's format, the
//! export from a git mirror, the study's tables and the comparison, on synthetic data (a git
//! repository made in a temporary folder, a fake validator), without mirrors or network.

mod python_self_test;

#[test]
fn the_real_plugins_driver_passes_its_self_test() {
    python_self_test::assert_self_test_passes("infra/real_plugins.py", 14);
}
