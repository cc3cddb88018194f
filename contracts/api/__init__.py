"""The contracts API: a party's contracts, their versions, proposals, signing, the signed PDF, and the
public check of a PDF. Views in ``views``, shapes in ``serializers``, routes in ``urls``."""
