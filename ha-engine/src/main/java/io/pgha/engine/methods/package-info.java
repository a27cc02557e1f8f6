/**
 * Which plugin serves each configured replica-creation and bootstrap method, what is wrong with the configuration
 * of each, and when a failed round of replica methods may be tried again.
 */
package io.pgha.engine.methods;
