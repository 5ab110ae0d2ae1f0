package dev.keyhub.group;

import java.net.URI;
import java.util.List;
import java.util.UUID;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;

import dev.keyhub.common.Ids;
import dev.keyhub.common.ProblemException;
import dev.keyhub.membership.MemberView;
import dev.keyhub.tenancy.TenantAccess;

/** Groups: members list them; tenant admins create, change, nest and delete them and manage who is in them. */
@Path("/api/tenants/{tenant}/groups")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Groups")
@APIResponse(responseCode = "401", description = "No valid token or session")
@APIResponse(responseCode = "403", description = "Not a member, role too low, or another tenant's token")
@APIResponse(responseCode = "404", description = "Unknown tenant, group or member")
public class GroupsResource {

    private final TenantAccess access;
    private final GroupService groups;

    public GroupsResource(TenantAccess access, GroupService groups) {
        this.access = access;
        this.groups = groups;
    }

    @Schema(example = "{\"name\": \"Engineering\", \"description\": \"Everyone who builds the product\", "
            + "\"parentGroupId\": \"0b9e7c1e-5f43-4c1a-9d1e-3c6f0f6a2b11\"}")
    public record NewGroup(@NotBlank @Size(max = 200) String name, @Size(max = 2000) String description,
            UUID parentGroupId) {
    }

    @GET
    @Operation(operationId = "listGroups", summary = "List groups",
            description = "All groups of the tenant ordered by name, or only the direct subgroups of the group given as "
                    + "?parent=. Any member of the tenant may call it.")
    @APIResponse(responseCode = "200", description = "The groups")
    public Uni<List<GroupView>> list(@PathParam("tenant") String tenant,
            @Parameter(description = "Only the direct subgroups of the group with this id; absent for all groups")
            @QueryParam("parent") String parent) {
        UUID parentId = parent == null || parent.isBlank() ? null : Ids.parse(parent, "group_not_found", "group");
        return access.resolve(tenant).chain(ctx -> groups.list(ctx, parentId));
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(operationId = "createGroup", summary = "Create a group",
            description = "Creates a group, at the top level or inside the group named by parentGroupId. "
                    + "Needs the tenant's admin role; the change is audited.")
    @APIResponse(responseCode = "201", description = "Created; Location names the new group",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = GroupView.class)))
    @APIResponse(responseCode = "400", description = "Invalid body or unknown parent")
    public Uni<Response> create(@PathParam("tenant") String tenant, @Valid @NotNull NewGroup body) {
        return access.resolve(tenant).chain(ctx -> groups.create(ctx,
                new GroupService.GroupInput(body.name(), body.description(), body.parentGroupId(), true))
                .map(g -> Response.created(URI.create("/api/tenants/" + ctx.tenant().slug() + "/groups/" + g.id()))
                        .entity(g).build()));
    }

    @GET
    @Path("/{id}")
    @Operation(operationId = "getGroup", summary = "Get a group",
            description = "One group of the tenant, with its parent and member count. Any member of the tenant may call it.")
    @APIResponse(responseCode = "200", description = "The group")
    public Uni<GroupView> get(@PathParam("tenant") String tenant, @PathParam("id") String id) {
        UUID groupId = Ids.parse(id, "group_not_found", "group");
        return access.resolve(tenant).chain(ctx -> groups.get(ctx, groupId));
    }

    @PATCH
    @Path("/{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(operationId = "updateGroup", summary = "Rename, describe or move a group",
            description = "Changes the fields present in the body and leaves the others as they are; "
                    + "\"parentGroupId\": null moves the group to the top level. Needs the tenant's admin role; "
                    + "a move that would put the group inside itself or its subgroups is refused.")
    @APIResponse(responseCode = "200", description = "The changed group")
    @APIResponse(responseCode = "400", description = "Invalid body or unknown parent")
    @APIResponse(responseCode = "409", description = "The move would put the group inside itself")
    public Uni<GroupView> update(@PathParam("tenant") String tenant, @PathParam("id") String id,
            @RequestBody(content = @Content(mediaType = MediaType.APPLICATION_JSON,
                    examples = @ExampleObject(name = "example",
                            value = "{\"name\": \"Platform engineering\", \"parentGroupId\": null}")))
            @NotNull JsonNode body) {
        UUID groupId = Ids.parse(id, "group_not_found", "group");
        GroupService.GroupInput input = patch(body);
        return access.resolve(tenant).chain(ctx -> groups.update(ctx, groupId, input));
    }

    @DELETE
    @Path("/{id}")
    @Operation(operationId = "deleteGroup", summary = "Delete a group",
            description = "Deletes a group that has no subgroups; its memberships go with it. Needs the tenant's admin "
                    + "role; a group with subgroups is refused.")
    @APIResponse(responseCode = "204", description = "Deleted")
    @APIResponse(responseCode = "409", description = "The group has subgroups")
    public Uni<Response> delete(@PathParam("tenant") String tenant, @PathParam("id") String id) {
        UUID groupId = Ids.parse(id, "group_not_found", "group");
        return access.resolve(tenant).chain(ctx -> groups.delete(ctx, groupId)).map(v -> Response.noContent().build());
    }

    @GET
    @Path("/{id}/members")
    @Operation(operationId = "listGroupMembers", summary = "List a group's members",
            description = "The active members of the tenant who are in the group, ordered by email. Any member of the "
                    + "tenant may call it.")
    @APIResponse(responseCode = "200", description = "The group's members")
    public Uni<List<MemberView>> members(@PathParam("tenant") String tenant, @PathParam("id") String id) {
        UUID groupId = Ids.parse(id, "group_not_found", "group");
        return access.resolve(tenant).chain(ctx -> groups.members(ctx, groupId));
    }

    @PUT
    @Path("/{id}/members/{userId}")
    @Operation(operationId = "addGroupMember", summary = "Add a member to a group",
            description = "Puts an active member of the tenant in the group; adding someone already in it changes "
                    + "nothing. Needs the tenant's admin role.")
    @APIResponse(responseCode = "204", description = "In the group")
    public Uni<Response> addMember(@PathParam("tenant") String tenant, @PathParam("id") String id,
            @Parameter(description = "The member's user id") @PathParam("userId") String userId) {
        UUID groupId = Ids.parse(id, "group_not_found", "group");
        UUID user = Ids.parse(userId, "user_not_found", "member");
        return access.resolve(tenant).chain(ctx -> groups.addMember(ctx, groupId, user))
                .map(v -> Response.noContent().build());
    }

    @DELETE
    @Path("/{id}/members/{userId}")
    @Operation(operationId = "removeGroupMember", summary = "Remove a member from a group",
            description = "Takes a user out of the group; a user who is not in it is a 404. Needs the tenant's admin role.")
    @APIResponse(responseCode = "204", description = "Out of the group")
    public Uni<Response> removeMember(@PathParam("tenant") String tenant, @PathParam("id") String id,
            @Parameter(description = "The member's user id") @PathParam("userId") String userId) {
        UUID groupId = Ids.parse(id, "group_not_found", "group");
        UUID user = Ids.parse(userId, "group_member_not_found", "group member");
        return access.resolve(tenant).chain(ctx -> groups.removeMember(ctx, groupId, user))
                .map(v -> Response.noContent().build());
    }

    /** Reads a PATCH body, where a field left out is unchanged and {@code "parentGroupId": null} means "top level". */
    private static GroupService.GroupInput patch(JsonNode body) {
        if (!body.isObject()) {
            throw ProblemException.badRequest("malformed_json", "The body must be a JSON object.");
        }
        String name = text(body, "name", 200);
        if (name != null && name.isBlank()) {
            throw invalid("name", "must not be blank");
        }
        String description = text(body, "description", 2000);
        boolean parentGiven = body.has("parentGroupId");
        UUID parent = null;
        if (parentGiven && !body.get("parentGroupId").isNull()) {
            parent = Ids.parseOrNull(body.get("parentGroupId").asText());
            if (parent == null) {
                throw invalid("parentGroupId", "must be a group id");
            }
        }
        return new GroupService.GroupInput(name, description, parent, parentGiven);
    }

    private static String text(JsonNode body, String field, int max) {
        JsonNode value = body.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw invalid(field, "must be a string");
        }
        if (value.asText().length() > max) {
            throw invalid(field, "size must be at most " + max);
        }
        return value.asText();
    }

    private static ProblemException invalid(String field, String message) {
        return ProblemException.badRequest("validation_failed", field + ": " + message)
                .with("errors", List.of(new dev.keyhub.common.Problem.FieldError(field, message)));
    }
}
