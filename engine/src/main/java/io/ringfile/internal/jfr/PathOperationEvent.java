package io.ringfile.internal.jfr;

import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/**
 * Asking a file's size or attributes, closing it, or changing the file system (delete, move, directories, links,
 * truncate).
 */
@Name("io.ringfile.PathOperation")
@Label("Path Operation")
@Description("Asking a file's size or attributes, closing it, or changing the file system, by a Ringfile engine")
public final class PathOperationEvent extends OperationEvent {
    @Label("Operation")
    @Description("stat, close, or the path operation's kind")
    public String operation;
}
