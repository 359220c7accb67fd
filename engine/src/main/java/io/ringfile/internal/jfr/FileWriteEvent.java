package io.ringfile.internal.jfr;

import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** Writing to a file. */
@Name("io.ringfile.FileWrite")
@Label("File Write")
@Description("Writing to a file, by a Ringfile engine")
public final class FileWriteEvent extends OperationEvent {
    @Label("Position")
    @Description("Where in the file, or -1 for the file's own position")
    public long position;

    @Label("Bytes")
    @DataAmount
    public long bytes;
}
