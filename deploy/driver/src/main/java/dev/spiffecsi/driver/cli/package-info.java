/** The command-line interface's extension point: commands beyond the driver's own, found with ServiceLoader. */
package dev.spiffecsi.driver.cli;
